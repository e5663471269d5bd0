import { FakeClock } from '../../core/clock.ts';
import { createLogger } from '../../core/logger.ts';
import { startServer, type RunningServer, type ServerOptions } from '../../core/server.ts';
import { removeDir, tempDir, TEST_TOKENS } from './processes.ts';

export interface TestFarm {
  server: RunningServer;
  clock: FakeClock;
  dataDir: string;
  /** Personal tokens of the test users, by name. */
  tokens: Record<string, string>;
  stop(): Promise<void>;
}

/** People of the test farm: two artists, a wrangler, a viewer and an administrator with an account. */
export const PEOPLE = [
  { name: 'alice', role: 'artist', password: 'alice-password-1' },
  { name: 'bob', role: 'artist', password: 'bob-password-12' },
  { name: 'wendy', role: 'wrangler', password: 'wendy-password-1' },
  { name: 'vera', role: 'viewer', password: 'vera-password-12' },
  { name: 'ada', role: 'admin', password: 'ada-password-123' },
] as const;

/** A real server in this process (so its clock can be moved), on a free port, with users and tokens. */
export async function startTestFarm(options: Partial<ServerOptions> = {}): Promise<TestFarm> {
  const clock = new FakeClock(Date.UTC(2030, 0, 15, 12));
  const dataDir = options.data ?? tempDir('coalition-access-');
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    data: dataDir,
    servermode: 'normal',
    tokens: TEST_TOKENS,
    logger: createLogger({ quiet: true }),
    clock,
    ...options,
  });
  const tokens: Record<string, string> = {};
  for (const p of PEOPLE) {
    if (!server.access.users.get(p.name)) await server.access.users.create({ name: p.name, role: p.role, password: p.password, email: `${p.name}@example.test` });
    tokens[p.name] = (await server.access.users.issueToken(p.name, 'tests')).token;
  }
  return {
    server,
    clock,
    dataDir,
    tokens,
    async stop() {
      await server.close();
      if (!options.data) removeDir(dataDir);
    },
  };
}

/** One HTTP call with optional bearer token and headers; the body is parsed when it is JSON. */
export async function call(base: string, method: string, path: string, o: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {}): Promise<{ status: number; body: unknown; headers: Headers }> {
  const headers: Record<string, string> = { ...(o.token ? { Authorization: `Bearer ${o.token}` } : {}), ...(o.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...o.headers };
  const res = await fetch(base + path, { method, headers, body: o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body)) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers };
}
