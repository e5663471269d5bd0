/**
 * Right-sizing for a trickle: an idle instance is normally kept while its next job should come
 * sooner than a fresh boot. That decides whether capacity is needed, not how much: a 4-slot
 * instance bought for a burst and then kept warm for a steady trickle that needs one slot pays
 * for four all day, and two warm instances for a load one can carry pay twice. This rule names
 * such an instance (surplus, or oversized when a cheaper pool could carry the load) so the
 * policy lets it go; the next job then launches the right size.
 */
import { canServe } from './instance-view.ts';
import type { InstanceView } from './instance-view.ts';
import type { ArrivalHistory, ScalerSnapshot } from './types.ts';
import type { Market } from '../plugin-api.ts';

/** Busy share of a slot the load may reach before jobs queue noticeably. */
const TARGET_UTILIZATION = 0.75;
/** A replacement must cost at most this share of the instance it replaces (else not worth the boot). */
const WORTH_REPLACING = 0.75;
/** Arrivals needed before the load is trusted. */
const MIN_ARRIVALS = 6;

/** Average number of busy slots the recent arrivals of `history` keep busy (rate × mean duration); the rate fades with silence. */
export function offeredLoad(history: ArrivalHistory, now: number): number | undefined {
  const { times, meanSeconds } = history;
  if (meanSeconds === undefined || times.length < MIN_ARRIVALS) return undefined;
  const span = (now - times[0]) / 1000;
  if (span <= 0) return undefined;
  return ((times.length - 1) / span) * meanSeconds;
}

/**
 * Why `view` should go although its next job is near (a reason line), or undefined. Asked only
 * of idle, ready instances. It answers when the steady load it serves is known and either the
 * other ready instances (minus those `leaving` in this decision) already carry it (surplus), or
 * it fits in fewer slots than this instance has and a pool at most 3/4 of its price per hour
 * could carry it (oversized).
 */
export function rightSizeReason(view: InstanceView, views: readonly InstanceView[], snapshot: ScalerSnapshot, leaving: ReadonlySet<InstanceView>): string | undefined {
  const served = (snapshot.arrivals ?? []).filter((a) => canServe(a.affinities, view.affinities));
  if (served.length === 0) return undefined;
  let load = 0;
  for (const a of served) {
    const l = offeredLoad(a, snapshot.now);
    if (l === undefined) return undefined;
    load += l;
  }
  const servesAll = (affinities: readonly string[]) => served.every((a) => canServe(a.affinities, affinities));
  const others = views.filter((v) => v !== view && !leaving.has(v) && v.ready && !v.interrupted && servesAll(v.affinities)).reduce((n, v) => n + v.slots, 0);
  const needed = Math.max(1, Math.ceil(load / TARGET_UTILIZATION)) - others;
  const what = `the steady load it serves (~${load.toFixed(2)} busy slot(s))`;
  if (needed < 1) return `${view.record.instanceId} (${view.record.instanceType}) is idle and the other ready instances (${others} slot(s)) carry ${what}: terminating`;
  if (needed >= view.slots) return undefined;
  const { settings } = snapshot;
  const backedOff = (type: string, market: Market) => snapshot.backoffs.some((b) => b.instanceType === type && b.market === market && b.until > snapshot.now);
  let best: { name: string; market: Market; perHour: number } | undefined;
  for (const offer of snapshot.offers) {
    if (!servesAll(offer.affinities) || offer.slots >= view.slots) continue;
    for (const [market, price] of Object.entries(offer.prices) as Array<[Market, number]>) {
      if ((market === 'spot' && !settings.allowSpot) || backedOff(offer.name, market)) continue;
      const perHour = Math.ceil(needed / offer.slots) * price;
      if (!best || perHour < best.perHour) best = { name: offer.name, market, perHour };
    }
  }
  if (!best || best.perHour > WORTH_REPLACING * view.record.perHour) return undefined;
  return `${view.record.instanceId} (${view.record.instanceType}, ${view.slots} slots) is idle and oversized for ${what}: ${best.name} ${best.market} at ${round(best.perHour)}/h instead of ${round(view.record.perHour)}/h: terminating`;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
