/**
 * The `cost` policy: rent as little machine time as possible while keeping jobs flowing.
 *
 * Launch: for each group of runnable jobs some instance type can serve, count the supply that
 * will take them (idle workers, booting slots, busy workers by when they should free up), and
 * add only the slots that will each get at least `workPerSlotBootFactor` boot-times of work
 * before the existing supply alone would finish (boot time is paid waste); buy them from the
 * (type, market) with the lowest estimated cost for the group's work. Groups no type can serve
 * get a reason, never a launch. Terminate: an idle instance is kept only while its next job is
 * likely to come sooner than a fresh boot would take, never before its minimum billed time is
 * used if it might still help, and never while it runs a job.
 */
import { affinityKey, canServe } from './instance-view.ts';
import type { InstanceView } from './instance-view.ts';
import { rightSizeReason } from './right-size.ts';
import type { ArrivalHistory, LaunchOrder, OfferView, ScalerDecision, ScalerSnapshot, TerminationOrder } from './types.ts';
import type { Market } from '../plugin-api.ts';

interface SupplyUnit {
  affinities: string[];
  busy: boolean;
  /** When it can take a job (ms); undefined when busy with a job whose end is not known. */
  freeAt?: number;
  startedAt?: number;
  /** The instance it belongs to, when it is a cloud slot. */
  instanceId?: string;
  intentId?: string;
  claimed: boolean;
}

interface Candidate {
  offer: OfferView;
  market: Market;
  perHour: number;
  instances: number;
  estimatedCost: number;
}

export function decideCost(snapshot: ScalerSnapshot, views: readonly InstanceView[]): ScalerDecision {
  const { now, settings } = snapshot;
  const launches: LaunchOrder[] = [];
  const terminations: TerminationOrder[] = [];
  const reasons: string[] = [];

  // Supply: every slot that is not being reclaimed, with when it can take a job (ms).
  const maxBoot = Math.max(0, ...snapshot.offers.map((o) => o.bootSeconds));
  const units: SupplyUnit[] = [];
  const viewByWorker = new Map(views.flatMap((v) => v.workers.map((w) => [w.name, v] as const)));
  for (const w of snapshot.workers) {
    if (w.interrupted) continue;
    const view = viewByWorker.get(w.name);
    if (view?.interrupted) continue;
    units.push({ affinities: w.affinities, instanceId: view?.record.instanceId, intentId: view?.record.intentId, claimed: false, busy: w.busy, freeAt: w.busy ? w.expectedEndAt : now, startedAt: w.jobStartedAt });
  }
  for (const v of views) {
    if (v.interrupted || (v.ready && !v.quiet)) continue;
    // Booting slots are free at their boot's end; the slots of an instance whose worker went quiet
    // (the server restarted, the worker reconnects) count as coming back within a boot, not as gone.
    const freeAt = v.quiet ? (v.workerLostAt ?? now) + (v.offer?.bootSeconds ?? maxBoot) * 1000 : (v.readyAt ?? now);
    for (let i = v.workers.length; i < v.slots; i++) {
      units.push({ affinities: v.affinities, instanceId: v.record.instanceId, intentId: v.record.intentId, claimed: false, busy: false, freeAt: Math.max(now, freeAt) });
    }
  }

  const alive = views.filter((v) => !v.interrupted);
  let instanceRoom = settings.maxInstances - alive.length;
  const launchedLastMinute = snapshot.instances.filter((r) => now - r.launchedAt < 60_000).length;
  let launchRoom = settings.maxLaunchesPerMinute - launchedLastMinute;
  let spend = alive.reduce((sum, v) => sum + v.record.perHour, 0);
  const backedOff = (type: string, market: Market) => snapshot.backoffs.some((b) => b.instanceType === type && b.market === market && b.until > now);

  const groups = [...snapshot.demand]
    .filter((g) => g.count > 0)
    .sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0) || b.affinities.length - a.affinities.length);

  for (const group of groups) {
    const label = affinityKey(group.affinities);
    const servable = snapshot.offers.filter((o) => canServe(group.affinities, o.affinities) && Object.keys(o.prices).length > 0);
    const duration = group.expectedSeconds ?? (group.runningElapsedSeconds && group.runningElapsedSeconds > 0 ? group.runningElapsedSeconds : undefined);
    // The least versatile units first, so versatile ones stay for other groups.
    const free = units.filter((u) => !u.claimed && canServe(group.affinities, u.affinities)).sort((a, b) => a.affinities.length - b.affinities.length);
    const cheapest = cheapestPerSlot(servable, settings.allowSpot);
    const boot = cheapest?.bootSeconds ?? maxBoot;
    // Capacity that costs nothing (the local provider) needs no work to pay for its boot: one job per slot.
    const freeCapacity = cheapest !== undefined && Object.values(cheapest.prices).some((p) => p === 0);
    const workPerSlot = freeCapacity ? Math.max(1, group.expectedSeconds ?? 1) : Math.max(1, settings.workPerSlotBootFactor * boot);
    let supply: number;
    let wanted: number;
    let newSlots: number;
    if (duration === undefined) {
      // Durations unknown: count idle and booting slots only, and probe with a few slots.
      const ready = free.filter((u) => !u.busy).slice(0, group.count);
      for (const u of ready) u.claimed = true;
      supply = ready.length;
      wanted = freeCapacity ? group.count : Math.min(group.count, settings.probeSlots);
      // A job of the group has just started and tells its duration by the next tick: one more slot at most until then.
      if (group.runningElapsedSeconds !== undefined) wanted = Math.min(wanted, 1);
      newSlots = freeCapacity ? Math.max(0, wanted - supply) : supply > 0 ? 0 : wanted;
      if (servable.length > 0 && supply > 0 && newSlots === 0) {
        reasons.push(`${group.count} job(s) of ${label}: durations unknown yet, ${supply} slot(s) on the way or idle: waiting to learn more before launching`);
        continue;
      }
    } else {
      // When does each existing slot free up? Busy ones at their job's expected end (else one job length from its start).
      const at = (u: SupplyUnit) => Math.max(now, u.freeAt ?? (u.startedAt !== undefined ? u.startedAt + duration * 1000 : now + boot * 1000));
      const work = group.count * duration;
      // A new slot (ready after a boot) must get at least workPerSlot seconds of this group's work before the
      // existing slots alone would finish it; how many such slots fit is the launch.
      const target = now + (boot + workPerSlot) * 1000;
      const useful = free.filter((u) => at(u) < target);
      const existingWork = useful.reduce((sum, u) => sum + (target - at(u)) / 1000, 0);
      for (const u of useful) u.claimed = true;
      supply = useful.length;
      newSlots = Math.max(0, Math.min(group.count - supply, Math.floor((work - existingWork) / workPerSlot)));
      // Latency guard: jobs do not wait for busy slots that free up long after a fresh boot would be ready.
      const patience = now + (1 + settings.busyWaitBootFactor) * boot * 1000;
      if (newSlots === 0 && !useful.some((u) => at(u) <= patience)) newSlots = 1;
      wanted = supply + newSlots;
    }
    if (servable.length === 0) {
      // A type that could serve them but has no price says so, with the fix, rather than "none can serve".
      const unpriced = snapshot.offers.filter((o) => canServe(group.affinities, o.affinities)).flatMap((o) => Object.values(o.unpriced ?? {}));
      const why = unpriced.length > 0 ? unpriced.join('; ') : `no instance type can serve affinity ${label}`;
      reasons.push(supply > 0 ? `${why}; ${group.count} job(s) rely on existing workers` : `${why} — not launching for ${group.count} job(s)`);
      continue;
    }
    const need = newSlots;
    if (need <= 0) {
      reasons.push(`${group.count} job(s) of ${label} covered by ${supply} idle, booting or busy slot(s) before a new one would pay for its boot`);
      continue;
    }
    const perSlotWork = duration === undefined ? workPerSlot : Math.max(workPerSlot, (group.count * duration) / Math.max(1, wanted));
    // Pick the pool at the scale of the whole group (it grows over a burst), then buy what is missing.
    const candidates = candidatesFor(servable, wanted, perSlotWork, settings.allowSpot, settings.minimumBilledSeconds).filter((c) => !backedOff(c.offer.name, c.market));
    if (candidates.length === 0) {
      const why = [...new Set(snapshot.backoffs.filter((b) => b.until > now && servable.some((o) => o.name === b.instanceType)).map((b) => `${b.instanceType} ${b.market}: ${b.reason ?? 'capacity error'}`))];
      reasons.push(`${group.count} job(s) of ${label}: every pool that can serve them is backed off (${why.join('; ') || 'after capacity errors'}) — not launching`);
      continue;
    }
    const best = shareInstanceCap(candidates, group.affinities, snapshot, settings.maxInstances);
    let count = Math.ceil(need / best.offer.slots);
    const limits: string[] = [];
    if (count > instanceRoom) {
      count = Math.max(0, instanceRoom);
      limits.push(`max instances ${settings.maxInstances}`);
    }
    if (count > launchRoom) {
      count = Math.max(0, launchRoom);
      limits.push(`max ${settings.maxLaunchesPerMinute} launches per minute`);
    }
    if (settings.budgetPerHour !== null) {
      const affordable = Math.floor((settings.budgetPerHour - spend + 1e-9) / best.perHour);
      if (count > affordable) {
        count = Math.max(0, affordable);
        limits.push(`budget ${settings.budgetPerHour}/h (spending ${spend.toFixed(3)}/h)`);
      }
    }
    if (count === 0) {
      reasons.push(`${group.count} job(s) of ${label} need ${need} more slot(s) but ${limits.join(', ')} reached — not launching`);
      continue;
    }
    instanceRoom -= count;
    launchRoom -= count;
    spend += count * best.perHour;
    const why = duration === undefined
      ? `${group.count} job(s) of ${label} waiting, durations unknown: probing with ${count} ${best.offer.name} ${best.market}`
      : `${group.count} job(s) of ${label} (~${Math.round(duration)}s each), ${supply} slot(s) available: ${count} ${best.offer.name} ${best.market} at ${best.perHour}/h is the cheapest per useful slot-second`;
    launches.push({ instanceType: best.offer.name, market: best.market, count, reason: limits.length ? `${why} (limited by ${limits.join(', ')})` : why, forAffinities: group.affinities });
    reasons.push(why);
  }

  // Termination: idle instances nobody is waiting for.
  const claimedInstances = new Set(units.filter((u) => u.claimed && u.instanceId).map((u) => u.instanceId));
  const demandExists = groups.length > 0 || (snapshot.runningJobs ?? 0) > 0;
  const leaving = new Set<InstanceView>();
  for (const v of views) {
    const id = v.record.instanceId;
    if (!v.ready || v.busy || v.interrupted || id === undefined) continue;
    if (claimedInstances.has(id)) continue;
    const boot = v.offer?.bootSeconds ?? maxBoot;
    const idleFor = (now - (v.idleSince ?? now)) / 1000;
    const wait = expectedWaitSeconds(snapshot.arrivals ?? [], v.affinities, now);
    if (wait !== undefined && wait < boot) {
      const reason = rightSizeReason(v, views, snapshot, leaving);
      if (reason) {
        leaving.add(v);
        terminations.push({ instanceId: id, intentId: v.record.intentId, reason });
      }
      continue;
    }
    const billed = (now - v.record.launchedAt) / 1000;
    const mightHelp = demandExists || wait !== undefined;
    if (billed < settings.minimumBilledSeconds && mightHelp) continue;
    const why =
      wait === undefined
        ? 'no job it could run arrived lately'
        : `its next job is expected in ~${Math.round(wait)}s, later than a fresh boot (${boot}s) would be ready`;
    terminations.push({
      instanceId: id,
      intentId: v.record.intentId,
      reason: `${id} (${v.record.instanceType}) idle for ${Math.round(idleFor)}s and ${why}: terminating`,
    });
  }
  return { launches, terminations, reasons };
}

/**
 * The instance cap is shared by every affinity group. When other groups that this group's
 * cheapest type cannot serve exist (waiting now or seen recently), a group that would take more
 * than half the cap buys the type needing the fewest instances among those costing at most 15 %
 * more per slot — so the others still find room (the cap counts instances, not slots).
 */
function shareInstanceCap(candidates: readonly Candidate[], affinities: readonly string[], snapshot: ScalerSnapshot, maxInstances: number): Candidate {
  const best = candidates[0];
  const half = Math.floor(maxInstances / 2);
  if (best.instances <= half) return best;
  const others = [...snapshot.demand.map((g) => g.affinities), ...(snapshot.arrivals ?? []).map((a) => a.affinities)].filter(
    (other) => !canServe(other, best.offer.affinities) && !canServe(other, affinities),
  );
  if (others.length === 0) return best;
  const perSlot = (c: Candidate) => c.perHour / c.offer.slots;
  const affordable = candidates.filter((c) => perSlot(c) <= perSlot(best) * 1.15);
  // Fewest instances first; among equals the cheapest (candidates are sorted by cost).
  return affordable.reduce((pick, c) => (c.instances < pick.instances ? c : pick), best);
}

function cheapestPerSlot(offers: readonly OfferView[], allowSpot: boolean): OfferView | undefined {
  let best: OfferView | undefined;
  let bestPrice = Infinity;
  for (const o of offers) {
    for (const [market, price] of Object.entries(o.prices) as Array<[Market, number]>) {
      if (market === 'spot' && !allowSpot) continue;
      if (price / o.slots < bestPrice) {
        bestPrice = price / o.slots;
        best = o;
      }
    }
  }
  return best;
}

/** Every (type, market) that could take `slots` slots of `perSlotWork` seconds each, cheapest estimated cost first. */
function candidatesFor(offers: readonly OfferView[], slots: number, perSlotWork: number, allowSpot: boolean, minimumBilled: number): Candidate[] {
  const out: Candidate[] = [];
  for (const offer of offers) {
    for (const [market, perHour] of Object.entries(offer.prices) as Array<[Market, number]>) {
      if (market === 'spot' && !allowSpot) continue;
      const instances = Math.ceil(slots / offer.slots);
      const workPerInstance = (perSlotWork * slots) / (instances * offer.slots);
      const paidSeconds = Math.max(minimumBilled, offer.bootSeconds + workPerInstance);
      out.push({ offer, market, perHour, instances, estimatedCost: (instances * perHour * paidSeconds) / 3600 });
    }
  }
  return out.sort((a, b) => a.estimatedCost - b.estimatedCost || a.offer.bootSeconds - b.offer.bootSeconds || (a.market === 'spot' ? -1 : 1));
}

/**
 * Seconds until a job this instance can run is likely to arrive, from recent arrivals of the
 * groups it can serve; undefined with fewer than two separate arrivals (no rate to speak of).
 * Arrivals within 2 s of each other count as one batch; a rate older than the current silence is
 * not trusted, so the estimate is at least the time since the last batch.
 */
export function expectedWaitSeconds(arrivals: readonly ArrivalHistory[], affinities: readonly string[], now: number): number | undefined {
  const times = arrivals
    .filter((a) => canServe(a.affinities, affinities))
    .flatMap((a) => a.times)
    .sort((a, b) => a - b);
  const batches: number[] = [];
  for (const t of times) if (batches.length === 0 || t - batches[batches.length - 1] > 2000) batches.push(t);
  const recent = batches.slice(-20);
  if (recent.length < 2) return undefined;
  const meanGap = (recent[recent.length - 1] - recent[0]) / (recent.length - 1) / 1000;
  const silence = (now - recent[recent.length - 1]) / 1000;
  return Math.max(meanGap, silence);
}

