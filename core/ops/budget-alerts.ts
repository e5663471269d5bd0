import type { AlertChange } from '../scaler/alerts.ts';
import type { OpsEvents } from './ops-events.ts';

/**
 * Turns the scaler's budget alerts into `budget.alert` events (e-mail, webhooks): once when a
 * budget's alert is raised and once when it goes from its threshold to reached — not on every
 * tick that updates the amount spent.
 */
export function budgetAlertForwarder(ops: OpsEvents): (change: AlertChange) => void {
  const lastCode = new Map<string, string>();
  return ({ change, alert }) => {
    if (alert.code !== 'budget-threshold' && alert.code !== 'budget-reached') return;
    if (change === 'cleared') {
      lastCode.delete(alert.key);
      return;
    }
    if (lastCode.get(alert.key) === alert.code) return;
    lastCode.set(alert.key, alert.code);
    const d = alert.details ?? {};
    const reached = alert.code === 'budget-reached';
    ops.budgetAlert({
      period: d.period === 'month' ? 'month' : d.period === 'hour' ? 'hour' : 'day',
      limit: Number(d.limit ?? 0),
      spent: Number(d.spent ?? 0),
      threshold: reached ? 1 : Number(d.fraction ?? 0),
      action: reached ? String(d.action ?? 'stop-launching') : undefined,
      message: alert.message,
    });
  };
}
