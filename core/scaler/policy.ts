/**
 * The scaler's decision: a pure function of a snapshot (time comes from `snapshot.now`).
 * The safety rules apply to every policy; then the configured policy decides.
 */
import { decideClassic } from './classic-policy.ts';
import { decideCost } from './cost-policy.ts';
import { viewInstances } from './instance-view.ts';
import { safetyTerminations } from './safety.ts';
import type { ScalerDecision, ScalerSnapshot } from './types.ts';

export function decide(snapshot: ScalerSnapshot): ScalerDecision {
  const views = viewInstances(snapshot.instances, snapshot.workers, snapshot.offers);
  const safety = safetyTerminations(snapshot, views);
  const unsafe = new Set(safety.map((t) => t.instanceId));
  // Instances being terminated for safety are not supply.
  const healthy = views.filter((v) => v.record.instanceId === undefined || !unsafe.has(v.record.instanceId));
  const decision = snapshot.settings.policy === 'classic' ? decideClassic(snapshot, healthy) : decideCost(snapshot, healthy);
  const terminations = [...safety, ...decision.terminations.filter((t) => !unsafe.has(t.instanceId))];
  return { launches: decision.launches, terminations, reasons: [...safety.map((t) => t.reason), ...decision.reasons] };
}
