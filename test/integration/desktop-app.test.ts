/**
 * The desktop main process with Electron faked (test/helpers/fake-electron.ts) and everything
 * else real: the core on a free port with its data under a temp "user-data" folder, the local
 * provider starting real worker processes, the keychain store on disk.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { freePort, processGone, removeDir, tempDir, waitFor } from '../helpers/processes.ts';

vi.mock('electron', () => import('../helpers/fake-electron.ts'));

const fake = await import('../helpers/fake-electron.ts');
const { startDesktop } = await import('../../electron/main/desktop-app.ts');
const { createLogger } = await import('../../core/logger.ts');
const { defaultWorkerProcess } = await import('../../core/worker-process.ts');

type Desktop = NonNullable<Awaited<ReturnType<typeof startDesktop>>>;

let userData: string;
const started: Desktop[] = [];

beforeEach(() => {
  userData = tempDir('coalition-desktop-');
  fake.resetFake(userData);
});

afterEach(async () => {
  // Whatever a test left running: stop its core and its local workers.
  for (const d of started.splice(0)) await d.server.close().catch(() => undefined);
  removeDir(userData);
});

async function start(overrides: Record<string, unknown> = {}): Promise<Desktop> {
  fake.state.quitted = false;
  const desktop = await startDesktop({
    preload: '/app/out/preload/index.cjs',
    icon: '/app/resources/icon.png',
    env: {},
    logger: createLogger({ quiet: true }),
    // A free port, quick scaler ticks, and workers started with node + tsx (no Electron binary here).
    server: { port: 0, host: '127.0.0.1', scalerTickSeconds: 1, workerProcess: defaultWorkerProcess(), ...overrides },
  });
  if (desktop) started.push(desktop);
  return desktop!;
}

/** Quits as a person would (the tray's Quit, or closing the window) and waits until the app really quit. */
async function quit(desktop: Desktop): Promise<void> {
  fake.app.quit();
  await waitFor(() => fake.state.quitted || fake.state.exitCode !== undefined, { what: 'the app to quit' });
  started.splice(started.indexOf(desktop), 1);
}

async function isListening(url: string): Promise<boolean> {
  return fetch(`${url}/api/session`).then(() => true, () => false);
}

const window = () => fake.recorded.windows.at(-1)!;

/** Submits jobs through the HTTP API, as a submitter would. */
async function submit(desktop: Desktop, jobs: unknown): Promise<void> {
  const res = await fetch(`${desktop.origin}/api/jobs`, { method: 'PUT', headers: { Authorization: `Bearer ${desktop.server.tokens!.admin}`, 'Content-Type': 'application/json' }, body: JSON.stringify(jobs) });
  expect(res.status).toBe(200);
}

describe('the desktop app', () => {
  it('runs the core in-process with its data and encrypted tokens under user-data, and stops it on quit', async () => {
    const desktop = await start();
    expect(desktop.config.server.data).toBe(path.join(userData, 'data'));
    expect(existsSync(path.join(userData, 'data', 'farm-id'))).toBe(true);
    // The tokens are in the keychain store (ciphertext), not in a plain tokens.json.
    expect(existsSync(path.join(userData, 'data', 'tokens.json'))).toBe(false);
    const sealed = readFileSync(path.join(userData, 'keychain', 'desktop', 'secrets.json'), 'utf8');
    expect(sealed).not.toContain(desktop.server.tokens!.admin);
    // The API works with the token the window's requests carry, and not without.
    const withToken = await fetch(`${desktop.origin}/api/jobs`, { headers: { Authorization: `Bearer ${desktop.server.tokens!.admin}` } });
    expect(withToken.status).toBe(200);
    expect((await fetch(`${desktop.origin}/api/jobs`)).status).toBe(401);
    expect(fake.session.defaultSession.beforeSendHeaders!.filter.urls).toEqual([`${desktop.origin}/*`]);
    // One window, secure, on the farm's own origin.
    expect(fake.recorded.windows).toHaveLength(1);
    expect(window().options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, preload: '/app/out/preload/index.cjs' });
    expect(new URL(window().webContents.loaded[0]).origin).toBe(desktop.origin);
    await quit(desktop);
    expect(await isListening(desktop.origin)).toBe(false);
    expect(fake.state.exitCode).toBeUndefined();
    expect(fake.recorded.messageBoxes).toEqual([]); // no instance was running: no question
  });

  it('keeps the same tokens across starts', async () => {
    const first = await start();
    const tokens = first.server.tokens;
    await quit(first);
    fake.resetFake(userData);
    const second = await start();
    expect(second.server.tokens).toEqual(tokens);
    await quit(second);
  });

  it('opens the setup wizard on the very first run only, and never when cloud settings exist', async () => {
    const first = await start();
    expect(window().webContents.loaded).toEqual([`${first.origin}/setup?firstrun=1`]);
    await quit(first);
    fake.resetFake(userData);
    const second = await start();
    expect(window().webContents.loaded).toEqual([`${second.origin}/`]);
    await quit(second);

    const other = tempDir('coalition-desktop-');
    try {
      fake.resetFake(other);
      mkdirSync(path.join(other, 'data', 'plugins', 'aws'), { recursive: true });
      writeFileSync(path.join(other, 'data', 'plugins', 'aws', 'cloud_aws.ini'), '[worker]\ninstancetype = c6i.large\n');
      const configured = await start();
      expect(window().webContents.loaded).toEqual([`${configured.origin}/`]);
      await quit(configured);
    } finally {
      removeDir(other);
    }
  });

  it('reads the port and settings from coalition.ini in user-data', async () => {
    writeFileSync(path.join(userData, 'coalition.ini'), '[server]\nservermode = normal\n');
    const desktop = await start();
    expect(desktop.config.server.servermode).toBe('normal');
    expect(desktop.server.cloud.scaler).toBeUndefined();
    await quit(desktop);
  });

  it('says why when the port is taken, and exits', async () => {
    const blocker = createServer();
    await new Promise<void>((ok) => blocker.listen(0, '127.0.0.1', () => ok()));
    try {
      const port = (blocker.address() as { port: number }).port;
      const desktop = await startDesktop({ preload: '/p', icon: '/i', env: {}, logger: createLogger({ quiet: true }), server: { port, host: '127.0.0.1' } });
      expect(desktop).toBeUndefined();
      expect(fake.state.exitCode).toBe(1);
      expect(fake.recorded.errorBoxes[0].content).toContain('port');
      expect(fake.recorded.errorBoxes[0].content).toContain(path.join(userData, 'coalition.ini'));
      expect(fake.recorded.windows).toEqual([]);
    } finally {
      blocker.close();
    }
  });
});

describe('one instance per user', () => {
  it('a second launch brings the first window forward', async () => {
    const desktop = await start();
    const win = window();
    win.shown = false;
    fake.app.emit('second-instance', fake.fakeEvent(), ['coalition'], userData);
    expect(win.shown).toBe(true);
    expect(win.focused).toBe(1);
    await quit(desktop);
  });

  it('the second launch itself (the lock is taken) starts no core and no window, and quits', async () => {
    fake.state.otherInstanceRunning = true;
    const port = await freePort();
    const second = await startDesktop({ preload: '/p', icon: '/i', env: {}, logger: createLogger({ quiet: true }), server: { port, host: '127.0.0.1' } });
    expect(second).toBeUndefined();
    expect(fake.state.quitted).toBe(true);
    expect(fake.recorded.windows).toEqual([]);
    expect(await isListening(`http://127.0.0.1:${port}`)).toBe(false);
    expect(existsSync(path.join(userData, 'data'))).toBe(false);
  });
});

describe('quitting with instances running', () => {
  /** A job that runs until killed, so the local provider starts a worker process for it. */
  async function withRunningInstance(desktop: Desktop) {
    await submit(desktop, { title: 'long render', command: 'sleep 120' });
    const instance = await waitFor(async () => (await desktop.server.cloud.scaler!.status()).instances.find((i) => i.state === 'ready' && i.busy && i.id), { what: 'a local worker running the job', timeoutMs: 30_000 });
    return { id: instance.id!, pid: Number(instance.id!.replace('local-', '')) };
  }

  it('"keep" leaves the worker running and the next start takes it over; "terminate" stops it', async () => {
    const desktop = await start();
    const { id, pid } = await withRunningInstance(desktop);
    fake.state.messageBoxResponses = [0]; // Keep them running
    await quit(desktop);
    expect(fake.recorded.messageBoxes).toHaveLength(1);
    expect(fake.recorded.messageBoxes[0].message).toMatch(/^1 instance is still running \(0\.00 \$\/h, 1 running a job\)\.$/);
    expect(fake.recorded.messageBoxes[0].buttons).toEqual(['Keep them running', 'Terminate them', 'Cancel']);
    expect(await isListening(desktop.origin)).toBe(false);
    expect(processGone(pid)).toBe(false); // the core stopped, the worker did not

    fake.resetFake(userData);
    const again = await start();
    const adopted = await waitFor(async () => (await again.server.cloud.scaler!.status()).instances.find((i) => i.id === id && i.state === 'ready'), { what: 'the kept worker to be adopted', timeoutMs: 30_000 });
    expect(adopted.workerName).toBeTruthy();
    const alive = (await again.server.cloud.scaler!.status()).instances.filter((i) => i.state !== 'terminated');
    expect(alive.map((i) => i.id)).toEqual([id]); // taken over, not doubled

    fake.state.messageBoxResponses = [1]; // Terminate them
    await quit(again);
    await waitFor(() => processGone(pid), { what: 'the worker process to end' });
    expect(fake.recorded.errorBoxes).toEqual([]);
  });

  it('"cancel" keeps the app, the core and the worker as they were', async () => {
    const desktop = await start();
    const { pid } = await withRunningInstance(desktop);
    fake.state.messageBoxResponses = [2]; // Cancel
    fake.app.quit();
    await waitFor(() => fake.recorded.messageBoxes.length === 1);
    // Two scaler ticks after the answer: had the quit gone on, the core would be closed by then.
    const answeredAt = Date.now();
    await waitFor(async () => ((await desktop.server.cloud.scaler!.status()).lastTickAt ?? 0) > answeredAt + 1000, { what: 'a scaler tick after the answer' });
    expect(fake.state.quitted).toBe(false);
    expect(await isListening(desktop.origin)).toBe(true);
    expect(window().destroyed).toBe(false);
    expect(processGone(pid)).toBe(false);
    fake.state.messageBoxResponses = [1];
    await quit(desktop);
    await waitFor(() => processGone(pid), { what: 'the worker process to end' });
  });

  it('closing the window asks the same question', async () => {
    const desktop = await start();
    const { pid } = await withRunningInstance(desktop);
    fake.state.messageBoxResponses = [1];
    const close = fake.fakeEvent();
    window().emit('close', close);
    expect(close.defaultPrevented).toBe(true); // held until the core has stopped
    await waitFor(() => fake.state.quitted, { what: 'the app to quit' });
    started.splice(started.indexOf(desktop), 1);
    expect(fake.recorded.messageBoxes).toHaveLength(1);
    await waitFor(() => processGone(pid), { what: 'the worker process to end' });
  });
});

describe('the tray and notifications', () => {
  it('shows the farm state and notifies when a job tree finishes or fails', async () => {
    const desktop = await start();
    const tray = fake.recorded.trays[0];
    await waitFor(() => tray.tooltip.includes('0 waiting · 0 working · 0 instances · 0.00 $/h'), { what: 'the tray summary' });
    await submit(desktop, [
      { title: 'shot 010', children: [
        { title: 'frame 1', command: 'echo one' },
        { title: 'frame 2', command: 'echo two' },
      ] },
      { title: 'broken comp', command: 'exit 3', retry: 0 },
    ]);
    await waitFor(() => fake.recorded.notifications.length === 2, { what: 'two notifications', timeoutMs: 40_000 });
    expect(fake.recorded.notifications).toEqual(expect.arrayContaining([
      { title: 'Finished: shot 010', body: 'All 2 jobs finished.' },
      { title: 'Failed: broken comp', body: 'The job failed.' },
    ]));
    await waitFor(() => tray.tooltip.includes('0 waiting · 0 working'), { what: 'the tray to show the work done' });
    expect(tray.menu!.items[0].label).toMatch(/^0 waiting · 0 working · \d instances? · 0\.00 \$\/h$/);
    fake.state.messageBoxResponses = [1, 1];
    await quit(desktop);
    expect(tray.destroyed).toBe(true);
  });
});
