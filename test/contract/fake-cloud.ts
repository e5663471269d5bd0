/**
 * A tiny cloud for tests, speaking HTTP on 127.0.0.1 (a free port). It holds instances with
 * its own state names, like a real cloud, and has knobs tests turn directly:
 * - `capacity`: how many live instances it accepts; beyond, `/run` answers 503
 *   `InsufficientInstanceCapacity` (drives the partial-failure case);
 * - `inject()`: adds an instance in any raw state, e.g. one the provider does not know.
 *
 * API: `GET /prices`, `GET /instances?farm=ID`, `POST /run` (one instance, idempotent by
 * `clientToken`), `POST /terminate` (`{ids}`; unknown ids are fine).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The fake's own states; `hibernating` and the like can be injected to test skipping. */
export type FakeRawState = 'booting' | 'active' | 'shutting-down' | 'terminated' | (string & {});

export interface FakeInstance {
  id: string;
  state: FakeRawState;
  instanceType: string;
  market: string;
  workerName: string;
  launchedAt: number;
  tags: Record<string, string>;
  clientToken?: string;
}

export interface RunBody {
  clientToken: string;
  instanceType: string;
  market: string;
  workerName: string;
  tags: Record<string, string>;
}

export class FakeCloud {
  /** Live (not terminated) instances it accepts; `Infinity` by default. */
  capacity = Number.POSITIVE_INFINITY;
  readonly instances = new Map<string, FakeInstance>();
  private server?: Server;
  private nextId = 1;
  url = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => send(res, 500, { error: { code: 'InternalError', message: String(err) } }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  /** Adds an instance as if someone else had started it, in any raw state. */
  inject(partial: Partial<FakeInstance> & { state: FakeRawState; tags: Record<string, string> }): FakeInstance {
    const instance: FakeInstance = {
      id: `fake-${this.nextId++}`,
      instanceType: 'fake.small',
      market: 'on-demand',
      workerName: `injected-${this.nextId}`,
      launchedAt: Date.now(),
      ...partial,
    };
    this.instances.set(instance.id, instance);
    return instance;
  }

  private live(): number {
    return [...this.instances.values()].filter((i) => i.state !== 'terminated' && i.state !== 'shutting-down').length;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method === 'GET' && url.pathname === '/prices') {
      return send(res, 200, [
        { instanceType: 'fake.small', market: 'on-demand', perHour: 0.1 },
        { instanceType: 'fake.small', market: 'spot', perHour: 0.04 },
      ]);
    }
    if (req.method === 'GET' && url.pathname === '/instances') {
      const farm = url.searchParams.get('farm');
      return send(res, 200, [...this.instances.values()].filter((i) => farm === null || i.tags['coalition:farm'] === farm));
    }
    if (req.method === 'POST' && url.pathname === '/run') {
      const body = (await readJson(req)) as RunBody;
      const existing = [...this.instances.values()].find((i) => i.clientToken === body.clientToken);
      if (existing) return send(res, 200, existing);
      if (this.live() >= this.capacity) {
        return send(res, 503, { error: { code: 'InsufficientInstanceCapacity', message: `no capacity for ${body.instanceType}` } });
      }
      const instance = this.inject({ ...body, state: 'active', launchedAt: Date.now() });
      return send(res, 200, instance);
    }
    if (req.method === 'POST' && url.pathname === '/terminate') {
      const { ids } = (await readJson(req)) as { ids: string[] };
      for (const id of ids) {
        const instance = this.instances.get(id);
        if (instance && instance.state !== 'terminated') {
          instance.state = 'shutting-down';
          setTimeout(() => (instance.state = 'terminated'), 20).unref();
        }
      }
      return send(res, 200, { terminated: ids });
    }
    send(res, 404, { error: { code: 'NotFound', message: `${req.method} ${url.pathname}` } });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}
