/**
 * A CloudProvider for the {@link FakeCloud}, written the way a real provider is: one HTTP call
 * per instance with an idempotency token, cloud errors mapped to {@link ProviderError} codes,
 * unknown states logged and skipped.
 */
import {
  ProviderError,
  type CloudProvider,
  type InstanceState,
  type InstanceTypeOffer,
  type LaunchRequest,
  type LaunchResult,
  type Market,
  type PluginLogger,
  type PriceQuote,
  type ProviderErrorCode,
  type ProviderInstance,
  type TerminateResult,
} from '../../core/plugin-api.ts';
import type { FakeInstance } from './fake-cloud.ts';

const STATES: Record<string, InstanceState | 'gone'> = {
  booting: 'pending',
  active: 'running',
  'shutting-down': 'stopping',
  terminated: 'gone',
};

const CODES: Record<string, ProviderErrorCode> = {
  InsufficientInstanceCapacity: 'capacity',
  InstanceLimitExceeded: 'quota',
  RequestLimitExceeded: 'throttled',
  UnauthorizedOperation: 'auth',
};

export class FakeCloudProvider implements CloudProvider {
  readonly name = 'fake';

  constructor(
    private readonly baseUrl: string,
    private readonly logger: PluginLogger,
  ) {}

  async offers(): Promise<InstanceTypeOffer[]> {
    return [{ name: 'fake.small', slots: 2, affinities: ['linux'], bootSeconds: 1, markets: ['spot', 'on-demand'] }];
  }

  async prices(): Promise<PriceQuote[]> {
    const quotes = (await this.call('GET', '/prices')) as Array<{ instanceType: string; market: Market; perHour: number }>;
    const at = Date.now();
    return quotes.map((q) => ({ ...q, at }));
  }

  async list(farmId: string): Promise<ProviderInstance[]> {
    const raw = (await this.call('GET', `/instances?farm=${encodeURIComponent(farmId)}`)) as FakeInstance[];
    const out: ProviderInstance[] = [];
    for (const i of raw) {
      const state = STATES[i.state];
      if (state === undefined) {
        this.logger.warn({ id: i.id, state: i.state }, 'instance in an unknown state: skipped');
        continue;
      }
      if (state === 'gone') continue;
      out.push({ id: i.id, state, instanceType: i.instanceType, market: i.market as Market, workerName: i.workerName, launchedAt: i.launchedAt, tags: i.tags });
    }
    return out;
  }

  async launch(request: LaunchRequest): Promise<LaunchResult> {
    const result: LaunchResult = { started: [], failed: [] };
    for (const wanted of request.instances) {
      try {
        const i = (await this.call('POST', '/run', {
          clientToken: wanted.clientToken,
          instanceType: request.instanceType,
          market: request.market,
          workerName: wanted.workerName,
          tags: request.tags,
        })) as FakeInstance;
        result.started.push({ id: i.id, state: STATES[i.state] === 'running' ? 'running' : 'pending', instanceType: i.instanceType, market: request.market, workerName: i.workerName, launchedAt: i.launchedAt, tags: i.tags });
      } catch (err) {
        result.failed.push({ workerName: wanted.workerName, error: toProviderError(err) });
      }
    }
    return result;
  }

  async terminate(ids: string[]): Promise<TerminateResult> {
    if (ids.length === 0) return { terminated: [], failed: [] };
    try {
      await this.call('POST', '/terminate', { ids });
      return { terminated: [...ids], failed: [] };
    } catch (err) {
      const error = toProviderError(err);
      return { terminated: [], failed: ids.map((id) => ({ id, error })) };
    }
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as { error?: { code: string; message: string } };
    if (!res.ok) throw new ProviderError(CODES[json.error?.code ?? ''] ?? 'unknown', json.error?.message ?? `HTTP ${res.status}`, json.error?.code);
    return json;
  }
}

function toProviderError(err: unknown): ProviderError {
  return err instanceof ProviderError ? err : new ProviderError('unknown', (err as Error).message);
}
