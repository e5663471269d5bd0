/**
 * The old Coalition cloud mode, kept as it was so migrating users get what they had
 * (db_sql.py `_manageWorkerInstanceStart` / `_manageWorkerInstanceTerminate`):
 * - while jobs wait: if `workerinstancestartdelay` seconds passed since the last launch, there
 *   are more waiting jobs than workers and fewer instances than `workerinstancemax`, start ONE
 *   instance of the configured (first) type — spot when that type has a spot price;
 * - when no job waits: terminate every instance that is not running a job and has lived longer
 *   than `workerinstanceminimumlifetime` seconds.
 * It ignores affinities (as the old system did).
 */
import { affinityKey } from './instance-view.ts';
import type { InstanceView } from './instance-view.ts';
import type { LaunchOrder, ScalerDecision, ScalerSnapshot, TerminationOrder } from './types.ts';

export function decideClassic(snapshot: ScalerSnapshot, views: readonly InstanceView[]): ScalerDecision {
  const { now, settings } = snapshot;
  const launches: LaunchOrder[] = [];
  const terminations: TerminationOrder[] = [];
  const reasons: string[] = [];
  const waiting = snapshot.demand.reduce((sum, g) => sum + g.count, 0);

  if (waiting > 0) {
    const lastLaunch = Math.max(0, ...snapshot.instances.map((r) => r.launchedAt));
    const sinceLast = (now - lastLaunch) / 1000;
    const workers = views.reduce((sum, v) => sum + v.slots, 0);
    const offer = snapshot.offers[0];
    if (sinceLast < settings.workerinstancestartdelay) {
      reasons.push(`classic: ${waiting} job(s) waiting; next launch allowed ${Math.ceil(settings.workerinstancestartdelay - sinceLast)}s after the previous one (workerinstancestartdelay)`);
    } else if (waiting <= workers) {
      reasons.push(`classic: ${waiting} job(s) waiting for ${workers} worker(s): not launching`);
    } else if (views.length >= settings.workerinstancemax) {
      reasons.push(`classic: ${views.length} instance(s) alive, workerinstancemax is ${settings.workerinstancemax}: not launching`);
    } else if (!offer) {
      reasons.push('classic: no instance type configured: not launching');
    } else {
      const market = settings.allowSpot && offer.prices.spot !== undefined ? 'spot' : 'on-demand';
      if (offer.prices[market] === undefined) {
        reasons.push(`classic: ${offer.name} has no ${market} price: not launching`);
      } else {
        const groups = snapshot.demand.map((g) => affinityKey(g.affinities)).join(' ');
        launches.push({ instanceType: offer.name, market, count: 1, reason: `classic: ${waiting} job(s) waiting (${groups}) for ${workers} worker(s)` });
      }
    }
  } else {
    const lifetimeMs = settings.workerinstanceminimumlifetime * 1000;
    for (const view of views) {
      if (view.busy || view.record.instanceId === undefined) continue;
      const lived = now - view.record.launchedAt;
      if (lived > lifetimeMs) {
        terminations.push({
          instanceId: view.record.instanceId,
          intentId: view.record.intentId,
          reason: `classic: no job waiting and ${view.record.instanceId} has lived ${Math.round(lived / 1000)}s (> workerinstanceminimumlifetime ${settings.workerinstanceminimumlifetime}s)`,
        });
      }
    }
  }
  return { launches, terminations, reasons };
}
