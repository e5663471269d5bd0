/**
 * Reconciliation: brings the instance records in line with what the provider lists and which
 * workers registered. Pure: returns the records to write, to delete, and what happened.
 */
import { isAlive, workersOf } from './instance-view.ts';
import type { InstanceRecord, ListedInstance, WorkerView } from './types.ts';
import type { ScalerEvent } from './event-history.ts';

export interface ReconcileResult {
  /** Records that changed (to persist). */
  changed: InstanceRecord[];
  /** Intent ids of records to delete. */
  removed: string[];
  events: ScalerEvent[];
  /** Spot interruptions noticed in this pass. */
  interruptions: number;
}

export interface ReconcileOptions {
  now: number;
  bootDeadlineSeconds: number;
  /** A listed instance may take this long to show up in the provider's list after launch (eventual consistency). */
  listGraceSeconds: number;
  /** Terminated records are kept this long (for cost history), then deleted. */
  retainTerminatedSeconds: number;
}

export function reconcile(records: readonly InstanceRecord[], listed: readonly ListedInstance[], workers: readonly WorkerView[], options: ReconcileOptions): ReconcileResult {
  const { now } = options;
  const byId = new Map(listed.map((l) => [l.id, l]));
  const byName = new Map(listed.map((l) => [l.workerName, l]));
  const changed: InstanceRecord[] = [];
  const removed: string[] = [];
  const events: ScalerEvent[] = [];
  let interruptions = 0;

  for (const original of records) {
    const r: InstanceRecord = { ...original };
    if (r.state === 'terminated') {
      if (now - (r.terminatedAt ?? r.launchedAt) > options.retainTerminatedSeconds * 1000) removed.push(r.intentId);
      continue;
    }
    if (r.instanceId === undefined) {
      const found = byName.get(r.workerName);
      if (found) {
        r.instanceId = found.id;
        r.state = 'booting';
        events.push({ at: now, kind: 'adopt', message: `adopted ${found.id} (${found.instanceType}) for launch intent ${r.intentId} (worker ${r.workerName})`, instanceIds: [found.id] });
      } else if (now - r.launchedAt > options.bootDeadlineSeconds * 1000) {
        removed.push(r.intentId);
        events.push({ at: now, kind: 'lost', message: `launch intent ${r.intentId} (${r.instanceType}, worker ${r.workerName}) never produced an instance within ${options.bootDeadlineSeconds}s: forgotten` });
        continue;
      } else {
        continue;
      }
    }
    const seen = byId.get(r.instanceId!);
    const own = workersOf(r, workers);
    if (own.some((w) => w.interrupted) && r.interruptedAt === undefined) {
      r.interruptedAt = now;
      interruptions++;
      events.push({ at: now, kind: 'interruption', message: `spot capacity of ${r.instanceId} (${r.instanceType}) is being reclaimed; its jobs go back to waiting`, instanceIds: [r.instanceId!] });
    }
    if (!seen || seen.state === 'terminated') {
      const graceOver = now - r.launchedAt > options.listGraceSeconds * 1000;
      if (seen || r.state === 'terminating' || graceOver) {
        if (r.state !== 'terminating') {
          if (r.market === 'spot' && r.interruptedAt === undefined) {
            r.interruptedAt = now;
            interruptions++;
          }
          events.push({ at: now, kind: 'lost', message: `${r.instanceId} (${r.instanceType} ${r.market}) is gone without being asked to${r.market === 'spot' ? ' (spot reclaimed)' : ''}`, instanceIds: [r.instanceId!] });
        }
        r.state = 'terminated';
        r.terminatedAt ??= now;
      }
    } else if (isAlive(r)) {
      if (own.length > 0) {
        if (r.becameWorkerAt === undefined) r.becameWorkerAt = now;
        r.state = 'ready';
        delete r.workerLostAt;
        if (own.some((w) => w.busy)) r.lastBusyAt = now;
      } else if (r.state === 'ready') {
        r.workerLostAt ??= now;
      } else if (r.state === 'launching') {
        r.state = 'booting';
      }
    }
    if (JSON.stringify(r) !== JSON.stringify(original)) changed.push(r);
  }
  return { changed, removed, events, interruptions };
}
