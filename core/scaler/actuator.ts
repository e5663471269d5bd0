/**
 * The scaler's hands: applies terminations and launches through the provider, recording each
 * launch intent BEFORE the call (its id is the idempotency token), treating partial failure as
 * data, and turning provider errors into what to avoid next (a backed-off pool, a pause).
 */
import { FARM_TAG, ProviderError } from '../plugin-api.ts';
import type { CloudProvider, LaunchRequest } from '../plugin-api.ts';
import type { ScalerEvent } from './event-history.ts';
import { isAlive } from './instance-view.ts';
import type { ScalerCounters, ScalerHost } from './scaler-host.ts';
import type { InstanceRecord, LaunchOrder, OfferView, PoolBackoff, ScalerSettings, TerminationOrder } from './types.ts';

export interface ActuatorContext {
  host: ScalerHost;
  provider: CloudProvider;
  counters: ScalerCounters;
  event(e: Omit<ScalerEvent, 'at'>): void;
  settings(): ScalerSettings;
  newId(): string;
}

export class Actuator {
  /** Pools avoided after capacity, price, quota or unknown errors. */
  readonly backoffs = new Map<string, PoolBackoff>();
  /** No launch before this (ms) after throttling, auth or invalid errors. */
  pausedUntil = 0;

  constructor(private readonly ctx: ActuatorContext) {}

  async terminate(orders: readonly TerminationOrder[], records: readonly InstanceRecord[]): Promise<void> {
    if (orders.length === 0) return;
    const byId = new Map(records.filter((r) => r.instanceId).map((r) => [r.instanceId!, r]));
    for (const o of orders) {
      const r = byId.get(o.instanceId);
      if (r && isAlive(r)) await this.ctx.host.instanceRecords.put({ ...r, state: 'terminating', reason: o.reason });
      if (o.orphan) {
        this.ctx.counters.orphans++;
        this.ctx.event({ kind: 'orphan', message: o.reason, instanceIds: [o.instanceId] });
        this.ctx.host.logger.warn({ instanceId: o.instanceId }, o.reason);
      }
    }
    let result;
    try {
      result = await this.ctx.provider.terminate(orders.map((o) => o.instanceId));
    } catch (error) {
      result = { terminated: [], failed: orders.map((o) => ({ id: o.instanceId, error: asProviderError(error) })) };
    }
    const now = this.ctx.host.clock.now();
    for (const id of result.terminated) {
      const r = byId.get(id);
      const order = orders.find((o) => o.instanceId === id);
      if (r) await this.ctx.host.instanceRecords.put({ ...r, state: 'terminated', terminatedAt: now, reason: order?.reason });
      if (r) await this.ctx.host.revokeWorkerToken?.(r.workerName);
      this.ctx.counters.terminations++;
      this.ctx.event({ kind: 'terminate', message: order?.reason ?? `terminated ${id}`, instanceIds: [id] });
    }
    for (const f of result.failed) {
      const r = byId.get(f.id);
      // Back to what it was, so the next tick decides again.
      if (r) await this.ctx.host.instanceRecords.put(r);
      this.ctx.event({ kind: 'terminate-failed', message: `terminating ${f.id} failed (${f.error.code}): ${f.error.message}`, instanceIds: [f.id] });
      this.ctx.host.logger.warn({ instanceId: f.id, code: f.error.code }, 'terminate failed');
    }
  }

  async launch(order: LaunchOrder, offers: readonly OfferView[]): Promise<void> {
    const now = this.ctx.host.clock.now();
    const perHour = offers.find((o) => o.name === order.instanceType)?.prices[order.market] ?? 0;
    const slots = offers.find((o) => o.name === order.instanceType)?.slots ?? 1;
    const intents: InstanceRecord[] = [];
    for (let i = 0; i < order.count; i++) {
      const intentId = this.ctx.newId();
      const workerName = `${this.ctx.settings().nameprefix}${intentId.replace(/[^A-Za-z0-9]/g, '').slice(0, 12)}`;
      intents.push({ intentId, instanceType: order.instanceType, market: order.market, state: 'launching', launchedAt: now, workerName, perHour, slots, reason: order.reason });
    }
    // Intent first: if we crash during the call, the next tick adopts or forgets these.
    for (const r of intents) await this.ctx.host.instanceRecords.put(r);
    const request: LaunchRequest = {
      instanceType: order.instanceType,
      market: order.market,
      count: intents.length,
      instances: await Promise.all(intents.map(async (r) => ({ workerName: r.workerName, workerToken: await this.ctx.host.issueWorkerToken(r.workerName), clientToken: r.intentId }))),
      serverUrl: this.ctx.host.serverUrl,
      tags: { [FARM_TAG]: this.ctx.host.farmId },
    };
    let result;
    try {
      result = await this.ctx.provider.launch(request);
    } catch (error) {
      // Outcome unknown: keep the intents; reconciliation adopts what shows up and forgets the rest.
      const e = asProviderError(error);
      this.backOff(order, e);
      this.ctx.event({ kind: 'launch-failed', message: `launching ${order.count} ${order.instanceType} ${order.market} failed (${e.code}): ${e.message}; intents kept until the boot deadline` });
      return;
    }
    for (const started of result.started) {
      const r = intents.find((i) => i.workerName === started.workerName);
      if (!r) continue;
      await this.ctx.host.instanceRecords.put({ ...r, instanceId: started.id, state: 'booting' });
      this.ctx.counters.launches++;
    }
    if (result.started.length) {
      this.ctx.event({ kind: 'launch', message: `launched ${result.started.length} ${order.instanceType} ${order.market}: ${order.reason}`, instanceIds: result.started.map((s) => s.id) });
    }
    for (const f of result.failed) {
      const r = intents.find((i) => i.workerName === f.workerName);
      if (r) await this.ctx.host.instanceRecords.remove(r.intentId);
      await this.ctx.host.revokeWorkerToken?.(f.workerName);
      this.ctx.counters.launchFailures++;
      this.backOff(order, f.error);
    }
    if (result.failed.length) {
      const e = result.failed[0].error;
      this.ctx.event({ kind: 'launch-failed', message: `${result.failed.length} of ${order.count} ${order.instanceType} ${order.market} failed to start (${e.code}): ${e.message}` });
    }
  }

  /** Maps provider error codes to what the scaler avoids next. */
  private backOff(order: LaunchOrder, error: ProviderError): void {
    const now = this.ctx.host.clock.now();
    switch (error.code) {
      case 'capacity':
      case 'price':
      case 'quota':
      case 'unknown': {
        const until = now + this.ctx.settings().capacityBackoffSeconds * 1000;
        this.backoffs.set(`${order.instanceType}|${order.market}`, { instanceType: order.instanceType, market: order.market, until, reason: `${error.code}: ${error.message}` });
        break;
      }
      case 'throttled':
        this.pausedUntil = Math.max(this.pausedUntil, now + 60_000);
        break;
      case 'auth':
      case 'invalid':
        this.pausedUntil = Math.max(this.pausedUntil, now + 600_000);
        this.ctx.host.logger.error({ code: error.code }, `cloud launches paused: ${error.message}`);
        break;
    }
  }
}

function asProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  return new ProviderError('unknown', error instanceof Error ? error.message : String(error));
}
