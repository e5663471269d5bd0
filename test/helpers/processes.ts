import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');
const MAIN = join(REPO, 'headless/main.ts');

export const TEST_TOKENS = { admin: 'test-admin-token-0123456789', worker: 'test-worker-token-0123456789' };

const started = new Set<ChildProcess>();

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

export function tempDir(prefix = 'coalition-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface Proc {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Runs `headless/main.ts ARGS` with tsx; output is kept for assertions and failure messages. */
export function runCoalition(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: REPO,
    env: { ...process.env, COALITION_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((ok) =>
    child.once('exit', (code, signal) => {
      started.delete(child);
      ok(code ?? signal ?? -1);
    }),
  );
  return {
    child,
    output: () => out,
    exited,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface ServerProc extends Proc {
  url: string;
  port: number;
  dataDir: string;
}

/** Starts a real server process on 127.0.0.1 and waits until it answers. */
export async function startServerProcess(options: { dataDir?: string; port?: number; args?: string[]; env?: Record<string, string> } = {}): Promise<ServerProc> {
  const dataDir = options.dataDir ?? tempDir();
  const port = options.port ?? (await freePort());
  const proc = runCoalition(['server', '--host', '127.0.0.1', '--port', String(port), '--data', dataDir, ...(options.args ?? [])], {
    COALITION_ADMIN_TOKEN: TEST_TOKENS.admin,
    COALITION_WORKER_TOKEN: TEST_TOKENS.worker,
    COALITION_SERVERMODE: 'normal', // tests that want the scaler say so
    ...options.env,
  });
  await waitFor(() => proc.output().includes('listening on'), { what: `server to listen (output: ${proc.output()})`, timeoutMs: 30_000, exited: proc.exited });
  return { ...proc, url: `http://127.0.0.1:${port}`, port, dataDir };
}

/** Starts a real worker process against `server`. */
export function startWorkerProcess(server: string, args: string[] = [], env: Record<string, string> = {}): Proc {
  return runCoalition(['worker', '--server', server, '--heartbeat', '0.2', ...args], { COALITION_WORKER_TOKEN: TEST_TOKENS.worker, ...env });
}

/** Polls `check` until it is truthy; fails with `what` after the timeout. */
export async function waitFor<T>(check: () => T | Promise<T>, options: { what?: string; timeoutMs?: number; intervalMs?: number; exited?: Promise<unknown> } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let exited = false;
  void options.exited?.then(() => (exited = true));
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (exited) throw new Error(`process exited while waiting for ${options.what ?? 'a condition'}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? 'a condition'}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
}

/** Calls the API with the admin token. */
export async function api<T = unknown>(base: string, method: string, path: string, body?: unknown, token: string = TEST_TOKENS.admin): Promise<{ status: number; body: T }> {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Kills every process the helpers started (call in afterEach/afterAll). */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...started].map(
      (c) =>
        new Promise<void>((ok) => {
          if (c.exitCode !== null || c.signalCode !== null) return ok();
          c.once('exit', () => ok());
          c.kill('SIGKILL');
        }),
    ),
  );
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Gone, or a zombie waiting for init to reap it (it holds no resources and runs nothing). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? false;
  } catch {
    return true;
  }
}
