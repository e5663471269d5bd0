import { describe, expect, it } from 'vitest';
import { budgetAlertForwarder } from '../../core/ops/budget-alerts.ts';
import { OpsEvents, type OpsEvent } from '../../core/ops/ops-events.ts';
import type { CloudAlert } from '../../core/scaler/alerts.ts';

const budget = (code: 'budget-threshold' | 'budget-reached', spent: number): CloudAlert => ({
  code, key: 'budget-day', severity: code === 'budget-reached' ? 'error' : 'warning', message: `Spent ${spent} today (UTC)`, since: 0, causes: [], acknowledgeable: false,
  details: { period: 'day', limit: 10, spent, fraction: spent / 10, action: 'stop-launching' },
});

describe("the scaler's budget alerts reach notifications and webhooks", () => {
  it('once when the threshold is crossed and once when the budget is reached, not on every tick', () => {
    const ops = new OpsEvents(() => 1);
    const heard: OpsEvent[] = [];
    ops.on((e) => heard.push(e));
    const forward = budgetAlertForwarder(ops);
    forward({ change: 'raised', alert: budget('budget-threshold', 8) });
    forward({ change: 'updated', alert: budget('budget-threshold', 8.5) });
    forward({ change: 'updated', alert: budget('budget-threshold', 9) });
    forward({ change: 'updated', alert: budget('budget-reached', 10) });
    forward({ change: 'updated', alert: budget('budget-reached', 10.2) });
    forward({ change: 'raised', alert: { ...budget('budget-threshold', 0), code: 'boot-deadline-missed', key: 'boot-deadline-missed' } });
    expect(heard).toEqual([
      { type: 'budget.alert', at: 1, alert: { period: 'day', limit: 10, spent: 8, threshold: 0.8, action: undefined, message: 'Spent 8 today (UTC)' } },
      { type: 'budget.alert', at: 1, alert: { period: 'day', limit: 10, spent: 10, threshold: 1, action: 'stop-launching', message: 'Spent 10 today (UTC)' } },
    ]);
    forward({ change: 'cleared', alert: budget('budget-reached', 10.2) });
    forward({ change: 'raised', alert: budget('budget-threshold', 8) });
    expect(heard).toHaveLength(3); // a new day crosses the threshold again
  });
});
