/**
 * Rules both policies obey: an instance that never became a worker within the boot deadline is
 * terminated (a boot miss), a stopped instance of ours is terminated (it serves no one and its
 * disks still cost), and a tagged instance with no record (an orphan) is terminated and reported.
 */
import { isAlive } from './instance-view.ts';
import type { InstanceView } from './instance-view.ts';
import type { ScalerSnapshot, TerminationOrder } from './types.ts';

export function safetyTerminations(snapshot: ScalerSnapshot, views: readonly InstanceView[]): TerminationOrder[] {
  const out: TerminationOrder[] = [];
  const deadlineMs = snapshot.settings.bootDeadlineSeconds * 1000;
  const stopped = new Set((snapshot.listed ?? []).filter((l) => l.state === 'stopped').map((l) => l.id));
  for (const view of views) {
    const { record } = view;
    if (record.instanceId !== undefined && stopped.has(record.instanceId)) {
      out.push({ instanceId: record.instanceId, intentId: record.intentId, reason: `instance ${record.instanceId} (${record.instanceType}) is stopped: it serves no one and its disks still cost; terminating` });
      continue;
    }
    if (record.instanceId === undefined) continue;
    if (view.ready) {
      if (view.workerLostAt !== undefined && snapshot.now - view.workerLostAt > deadlineMs) {
        out.push({ instanceId: record.instanceId, intentId: record.intentId, reason: `instance ${record.instanceId} (${record.instanceType}): its worker has not called in for ${snapshot.settings.bootDeadlineSeconds}s: terminating` });
      }
      continue;
    }
    const age = snapshot.now - record.launchedAt;
    if (age > deadlineMs) {
      out.push({
        instanceId: record.instanceId,
        intentId: record.intentId,
        reason: `instance ${record.instanceId} (${record.instanceType}) never became a worker within ${snapshot.settings.bootDeadlineSeconds}s of launch: terminating`,
        bootMiss: true,
      });
    }
  }
  if (snapshot.listed) {
    const knownIds = new Set(snapshot.instances.filter((r) => r.instanceId !== undefined).map((r) => r.instanceId));
    const pendingNames = new Set(snapshot.instances.filter((r) => isAlive(r) && r.instanceId === undefined).map((r) => r.workerName));
    for (const listed of snapshot.listed) {
      if (listed.state === 'terminated' || listed.state === 'stopping') continue;
      if (knownIds.has(listed.id) || pendingNames.has(listed.workerName)) continue;
      out.push({
        instanceId: listed.id,
        orphan: true,
        reason: `instance ${listed.id} (${listed.instanceType}, worker ${listed.workerName || '?'}) carries this farm's tag but has no record${listed.state === 'stopped' ? ' (stopped)' : ''}: orphan, terminating`,
      });
    }
  }
  return out;
}
