/**
 * Budgets: a spend rate (`budgetPerHour`, applied by the policy when it launches), and daily
 * and monthly limits on what was spent (UTC days and months). Each limit raises an alert at
 * `budgetAlertFraction` of it, and when reached it stops launches, or with
 * `budgetAction = stop-jobs` also stops giving new jobs to paid instances (which then go).
 */
import type { CloudAlert } from './alerts.ts';
import type { BudgetAction, ScalerSettings } from './types.ts';

export interface BudgetLine {
  limit: number | null;
  spent: number;
  /** spent / limit, when there is a limit. */
  fraction: number | null;
  state: 'none' | 'ok' | 'alert' | 'reached';
}

/** What `GET /api/cloud` shows under `budgets`. */
export interface BudgetStatus {
  /** The spend rate now (sum of alive instances' prices) against `budgetPerHour`. */
  perHour: BudgetLine;
  perDay: BudgetLine;
  perMonth: BudgetLine;
  alertAt: number;
  action: BudgetAction;
  /** True when a daily or monthly limit is reached: no launch. */
  stopLaunching: boolean;
  /** True when reached and the action is `stop-jobs`: paid instances take no new job. */
  stopJobs: boolean;
  /** Why launches (and jobs) are stopped, when they are. */
  reason?: string;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

function line(limit: number | null, spent: number, alertAt: number): BudgetLine {
  if (limit === null) return { limit, spent: round(spent), fraction: null, state: 'none' };
  const fraction = spent / limit;
  return { limit, spent: round(spent), fraction: round(fraction), state: fraction >= 1 ? 'reached' : fraction >= alertAt ? 'alert' : 'ok' };
}

export function budgetStatus(settings: ScalerSettings, spend: { today: number; thisMonth: number; perHourNow: number }): BudgetStatus {
  const alertAt = settings.budgetAlertFraction;
  const perDay = line(settings.budgetPerDay, spend.today, alertAt);
  const perMonth = line(settings.budgetPerMonth, spend.thisMonth, alertAt);
  const perHour = line(settings.budgetPerHour, spend.perHourNow, 1);
  const reached = [perDay.state === 'reached' ? `daily budget ${perDay.limit} reached (spent ${perDay.spent} today, UTC)` : undefined, perMonth.state === 'reached' ? `monthly budget ${perMonth.limit} reached (spent ${perMonth.spent} this month, UTC)` : undefined].filter(Boolean) as string[];
  const stopLaunching = reached.length > 0;
  const stopJobs = stopLaunching && settings.budgetAction === 'stop-jobs';
  return {
    perHour,
    perDay,
    perMonth,
    alertAt,
    action: settings.budgetAction,
    stopLaunching,
    stopJobs,
    ...(stopLaunching ? { reason: `${reached.join('; ')}: not launching${stopJobs ? ', and paid instances take no new job' : ''}` } : {}),
  };
}

/** The budget alerts of a status (one per period near or at its limit). */
export function budgetAlerts(status: BudgetStatus): Array<Omit<CloudAlert, 'since'>> {
  const out: Array<Omit<CloudAlert, 'since'>> = [];
  for (const [period, l, settingKey] of [['day', status.perDay, 'budgetPerDay'], ['month', status.perMonth, 'budgetPerMonth']] as const) {
    if (l.state !== 'alert' && l.state !== 'reached') continue;
    const reached = l.state === 'reached';
    const what = period === 'day' ? 'today (UTC)' : 'this month (UTC)';
    out.push({
      code: reached ? 'budget-reached' : 'budget-threshold',
      key: `budget-${period}`,
      severity: reached ? 'error' : 'warning',
      message: reached
        ? `Spent ${l.spent} ${what}: the ${period === 'day' ? 'daily' : 'monthly'} budget of ${l.limit} is reached. No instance is launched${status.action === 'stop-jobs' ? ' and paid instances take no new job' : ''} until the ${period} ends or the budget is raised.`
        : `Spent ${l.spent} ${what}: ${Math.round((l.fraction ?? 0) * 100)}% of the ${period === 'day' ? 'daily' : 'monthly'} budget of ${l.limit}.`,
      causes: [{
        cause: reached ? 'The farm spent its budget.' : `The farm has spent ${Math.round(status.alertAt * 100)}% or more of its budget.`,
        howToCheck: `GET /api/cloud shows spend per day and what jobs cost; raise the limit with POST /api/cloud/settings {"${settingKey}": …} if the work is worth it.`,
      }],
      acknowledgeable: false,
      details: { period, limit: l.limit, spent: l.spent, fraction: l.fraction, action: status.action },
    });
  }
  return out;
}
