/** Helpers shared by the policies: affinity sets and how records, workers and offers fit together. */
import type { InstanceRecord, OfferView, WorkerView } from './types.ts';

/** The canonical form of an affinity list: trimmed, de-duplicated, sorted. */
export function normalizeAffinities(list: Iterable<string>): string[] {
  return [...new Set([...list].map((a) => a.trim()).filter((a) => a !== ''))].sort();
}

/** `a,b` for a set (`(none)` for the empty set), for keys and messages. */
export function affinityKey(list: readonly string[]): string {
  return list.length === 0 ? '(none)' : list.join(',');
}

/** Can something with `offered` affinities run a job that needs `needed`? (needed ⊆ offered) */
export function canServe(needed: readonly string[], offered: readonly string[]): boolean {
  return needed.every((a) => offered.includes(a));
}

export const ALIVE_STATES = new Set(['launching', 'booting', 'ready']);

export function isAlive(record: InstanceRecord): boolean {
  return ALIVE_STATES.has(record.state);
}

/** The workers (slots) running on the instance of `record`. */
export function workersOf(record: InstanceRecord, workers: readonly WorkerView[]): WorkerView[] {
  return workers.filter(
    (w) =>
      (record.instanceId !== undefined && w.instanceId === record.instanceId) ||
      w.name === record.workerName ||
      w.name.startsWith(`${record.workerName}-`),
  );
}

/** An alive instance as the policies see it. */
export interface InstanceView {
  record: InstanceRecord;
  offer?: OfferView;
  affinities: string[];
  slots: number;
  workers: WorkerView[];
  /** Its worker registered. */
  ready: boolean;
  busy: boolean;
  interrupted: boolean;
  /** Since when it has had no job (ms), when ready and idle. */
  idleSince?: number;
  /** When it is expected to become a worker (ms), when booting. */
  readyAt?: number;
  /** It had become a worker and none of its workers is seen now (a server restart, a hung machine). */
  quiet: boolean;
  /** Since when, as reconciliation noted it. */
  workerLostAt?: number;
}

export function viewInstances(records: readonly InstanceRecord[], workers: readonly WorkerView[], offers: readonly OfferView[]): InstanceView[] {
  return records.filter(isAlive).map((record) => {
    const offer = offers.find((o) => o.name === record.instanceType);
    const own = workersOf(record, workers);
    const ready = own.length > 0 || record.becameWorkerAt !== undefined || record.state === 'ready';
    const busy = own.some((w) => w.busy);
    const idleTimes = own.map((w) => w.idleSince).filter((t): t is number => t !== undefined);
    const idleSince = busy || !ready ? undefined : Math.max(record.lastBusyAt ?? 0, record.becameWorkerAt ?? record.launchedAt, ...idleTimes);
    return {
      record,
      offer,
      affinities: offer?.affinities ?? [],
      slots: offer?.slots ?? record.slots,
      workers: own,
      ready,
      busy,
      interrupted: own.some((w) => w.interrupted === true),
      idleSince,
      readyAt: ready ? undefined : record.launchedAt + (offer?.bootSeconds ?? 0) * 1000,
      quiet: ready && own.length === 0,
      workerLostAt: ready && own.length === 0 ? record.workerLostAt : undefined,
    };
  });
}

/** Cheapest price per slot-hour of an offer over the markets allowed; undefined when it has no price. */
export function pricePerSlotHour(offer: OfferView, allowSpot: boolean): number | undefined {
  const prices = [offer.prices['on-demand'], allowSpot ? offer.prices.spot : undefined].filter((p): p is number => p !== undefined);
  return prices.length === 0 ? undefined : Math.min(...prices) / offer.slots;
}
