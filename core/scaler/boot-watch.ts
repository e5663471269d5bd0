/**
 * The runaway guard. When instances never become workers (a wrong server URL, a security group
 * not attached, a broken bootstrap), terminating them at the boot deadline and launching a new
 * batch would bill a batch every deadline, forever. Instead:
 * - each miss backs its pool (type + market) off, twice as long after each miss in a row;
 * - `maxBootMisses` misses in a row in a pool block that pool, and that many in a row on the
 *   whole farm stop every launch, until someone acknowledges the alert or the settings change;
 * - while the farm is unproven (no instance became a worker since the last miss, the last
 *   acknowledgement or ever) and one of its instances is overdue, no more are launched;
 * - what the instances that never worked cost is added up and reported in the alert.
 * Outcomes persist, so a restart does not reopen the tap.
 */
import type { Market } from '../plugin-api.ts';
import type { AlertCause, CloudAlert } from './alerts.ts';
import type { InstanceRecord, OfferView, PoolBackoff, ScalerSettings } from './types.ts';

/** How one launched instance turned out: it became a worker (ok) or missed the boot deadline. */
export interface BootOutcome {
  pool: string;
  launchedAt: number;
  at: number;
  ok: boolean;
  instanceId?: string;
  /** What a missed instance cost. */
  cost?: number;
}

export interface BootWatchState {
  outcomes: BootOutcome[];
  backoffUntil: Record<string, number>;
  /** Misses of instances launched before this (an acknowledgement, a settings change) no longer block. */
  clearedAt?: number;
  /** What the provider settings were when the outcomes were seen: a change clears the block. */
  fingerprint?: string;
  wasted: { instances: number; cost: number };
}

const KEPT = 100;
const MAX_BACKOFF_MS = 6 * 3600_000;

export const poolKey = (instanceType: string, market: Market) => `${instanceType} ${market}`;

export class BootWatch {
  private state: BootWatchState;

  constructor(state?: BootWatchState) {
    this.state = state ? structuredClone(state) : { outcomes: [], backoffUntil: {}, wasted: { instances: 0, cost: 0 } };
  }

  snapshot(): BootWatchState {
    return structuredClone(this.state);
  }

  /** An instance reached the boot deadline without becoming a worker. */
  missed(record: InstanceRecord, now: number, cost: number, settings: ScalerSettings): void {
    const pool = poolKey(record.instanceType, record.market);
    this.push({ pool, launchedAt: record.launchedAt, at: now, ok: false, instanceId: record.instanceId, cost });
    this.state.wasted.instances++;
    this.state.wasted.cost += cost;
    const inARow = this.inARow((o) => o.pool === pool);
    this.state.backoffUntil[pool] = now + Math.min(MAX_BACKOFF_MS, settings.bootMissBackoffSeconds * 1000 * 2 ** Math.max(0, inARow - 1));
  }

  /** An instance's worker registered. */
  becameWorker(record: InstanceRecord, now: number): void {
    const pool = poolKey(record.instanceType, record.market);
    this.push({ pool, launchedAt: record.launchedAt, at: now, ok: true, instanceId: record.instanceId });
    delete this.state.backoffUntil[pool];
  }

  /** Someone fixed the cause (or says so): blocked pools and stopped launches open again. */
  acknowledge(now: number): void {
    this.state.clearedAt = now;
    this.state.backoffUntil = {};
  }

  /** Clears the block when the provider's settings (server URL, offers) differ from when the misses happened. */
  settingsAre(fingerprint: string, now: number): boolean {
    const changed = this.state.fingerprint !== undefined && this.state.fingerprint !== fingerprint && this.misses().length > 0;
    if (changed) this.acknowledge(now);
    this.state.fingerprint = fingerprint;
    return changed;
  }

  /** Pools to avoid now: backed off after a miss, or blocked after `maxBootMisses` in a row. */
  backoffs(now: number, settings: ScalerSettings): PoolBackoff[] {
    const out: PoolBackoff[] = [];
    const pools = new Set([...Object.keys(this.state.backoffUntil), ...this.misses().map((o) => o.pool)]);
    for (const pool of pools) {
      const [instanceType, market] = pool.split(' ') as [string, Market];
      const inARow = this.inARow((o) => o.pool === pool);
      if (inARow >= settings.maxBootMisses) {
        out.push({ instanceType, market, until: Number.MAX_SAFE_INTEGER, reason: `blocked: ${inARow} instance(s) in a row never became workers` });
      } else if ((this.state.backoffUntil[pool] ?? 0) > now) {
        out.push({ instanceType, market, until: this.state.backoffUntil[pool], reason: `backed off: ${inARow} instance(s) in a row never became workers` });
      }
    }
    return out;
  }

  /** Why no launch may happen now, or undefined. */
  holdReason(records: readonly InstanceRecord[], offers: readonly OfferView[], now: number, settings: ScalerSettings): string | undefined {
    const inARow = this.inARow(() => true);
    if (inARow >= settings.maxBootMisses) {
      return `launches stopped: the last ${inARow} instances never became workers (see the alert in GET /api/cloud; acknowledge it once the cause is fixed)`;
    }
    const last = this.latest();
    if (last?.ok) return undefined;
    const overdue = records.find((r) => r.state === 'booting' && r.becameWorkerAt === undefined && r.launchedAt >= (this.state.clearedAt ?? 0)
      && now - r.launchedAt > (2 * (offers.find((o) => o.name === r.instanceType)?.bootSeconds ?? 0) + 60) * 1000);
    if (!overdue) return undefined;
    return `not launching more while ${overdue.instanceId} has been booting for ${Math.round((now - overdue.launchedAt) / 1000)}s without becoming a worker${last ? ' and the last instance never did' : ''}`;
  }

  /** The alert while misses are the latest news (cleared by an instance that becomes a worker, or an acknowledgement). */
  alert(now: number, settings: ScalerSettings, causes: AlertCause[]): Omit<CloudAlert, 'since'> | undefined {
    const misses = this.misses();
    if (misses.length === 0) return undefined;
    const inARow = this.inARow(() => true);
    const blocked = this.backoffs(now, settings);
    const stopped = inARow >= settings.maxBootMisses;
    const ids = misses.slice(-5).map((o) => o.instanceId).filter(Boolean).join(', ');
    const cost = misses.reduce((s, o) => s + (o.cost ?? 0), 0);
    const what = `${misses.length} instance(s) never became workers within the ${settings.bootDeadlineSeconds}s boot deadline (${ids}) and cost ${cost.toFixed(4)} for nothing.`;
    const then = stopped
      ? ' Launches are stopped until you fix the cause and acknowledge this alert (or change the settings).'
      : ` Their pools are backed off (${blocked.map((b) => `${b.instanceType} ${b.market} ${b.until === Number.MAX_SAFE_INTEGER ? 'blocked' : `until ${new Date(b.until).toISOString()}`}`).join('; ') || 'none now'}); after ${settings.maxBootMisses} misses in a row every launch stops.`;
    return {
      code: 'boot-deadline-missed',
      key: 'boot-deadline-missed',
      severity: stopped || blocked.some((b) => b.until === Number.MAX_SAFE_INTEGER) ? 'error' : 'warning',
      message: what + then,
      causes,
      acknowledgeable: true,
      details: {
        instances: misses.map((o) => o.instanceId),
        missesInARow: inARow,
        launchesStopped: stopped,
        pools: blocked.map((b) => ({ instanceType: b.instanceType, market: b.market, until: b.until === Number.MAX_SAFE_INTEGER ? null : b.until, blocked: b.until === Number.MAX_SAFE_INTEGER })),
        wastedCost: round(cost),
        wastedCostAllTime: round(this.state.wasted.cost),
        wastedInstancesAllTime: this.state.wasted.instances,
      },
    };
  }

  get wasted(): { instances: number; cost: number } {
    return { instances: this.state.wasted.instances, cost: round(this.state.wasted.cost) };
  }

  /** Misses since the last instance that became a worker (and since the last acknowledgement). */
  private misses(): BootOutcome[] {
    const out: BootOutcome[] = [];
    for (const o of this.ordered()) {
      if (o.ok) break;
      out.unshift(o);
    }
    return out;
  }

  /** Misses in a row among the outcomes that match, newest launch first, since the last acknowledgement. */
  private inARow(match: (o: BootOutcome) => boolean): number {
    let n = 0;
    for (const o of this.ordered()) {
      if (!match(o)) continue;
      if (o.ok) break;
      n++;
    }
    return n;
  }

  private latest(): BootOutcome | undefined {
    return this.ordered()[0];
  }

  /** Outcomes of instances launched since the last acknowledgement, newest launch first. */
  private ordered(): BootOutcome[] {
    const from = this.state.clearedAt ?? -Infinity;
    return this.state.outcomes
      .map((o, index) => ({ o, index }))
      .filter(({ o }) => o.launchedAt >= from)
      .sort((a, b) => b.o.launchedAt - a.o.launchedAt || b.index - a.index)
      .map(({ o }) => o);
  }

  private push(o: BootOutcome): void {
    this.state.outcomes.push(o);
    if (this.state.outcomes.length > KEPT) this.state.outcomes.splice(0, this.state.outcomes.length - KEPT);
  }
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/** Causes any provider shares, with the server URL filled in; providers may give better ones. */
export function defaultBootCauses(serverUrl: string): AlertCause[] {
  const port = (() => {
    try {
      return new URL(serverUrl).port || '80';
    } catch {
      return '19211';
    }
  })();
  return [
    {
      cause: `Workers are told to reach the server at ${serverUrl}, and that address is wrong or not reachable from their network.`,
      howToCheck: `From a machine on the workers' network: curl -sS ${serverUrl}/api/session (any HTTP answer, even 401, means it is reachable). Fix publicurl in [server] of coalition.ini, then restart the server.`,
    },
    {
      cause: `A firewall or security group blocks TCP ${port} from the workers to the server.`,
      howToCheck: `The server must accept TCP ${port} from the workers' addresses; the curl above times out when it does not.`,
    },
    {
      cause: 'The bootstrap fails on the instance before the worker starts (image, packages, worker bundle).',
      howToCheck: "Look at the instance's console or system log for the bootstrap's last lines.",
    },
  ];
}
