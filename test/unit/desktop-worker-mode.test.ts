import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('../helpers/fake-electron.ts'));

const fake = await import('../helpers/fake-electron.ts');
const { desktopWorkerProcess, isWorkerLaunch, runAsWorker } = await import('../../electron/main/worker-mode.ts');

/** Electron sets `process.defaultApp` when the app runs from a folder (`electron .`). */
const electronProcess = process as { defaultApp?: boolean };

describe('the app executable as the local provider\'s worker', () => {
  const defaultApp = electronProcess.defaultApp;
  afterEach(() => {
    electronProcess.defaultApp = defaultApp;
  });

  it('is started as the packaged executable itself, or as electron with the app folder from a clone', () => {
    electronProcess.defaultApp = false;
    expect(desktopWorkerProcess('/home/me/.config/Coalition')).toEqual({ command: process.execPath, args: [], cwd: '/home/me/.config/Coalition' });
    electronProcess.defaultApp = true;
    expect(desktopWorkerProcess('/u')).toEqual({ command: process.execPath, args: [fake.app.getAppPath()], cwd: '/u' });
  });

  it.each([
    [['/opt/Coalition/coalition', 'worker', '--server', 'http://10.0.0.5:19211', '--name', 'local-1'], false, true],
    [['/usr/lib/electron', '/src/coalition', 'worker', '--server', 'http://x:1'], true, true],
    [['/opt/Coalition/coalition'], false, false],
    [['/opt/Coalition/coalition', '--enable-logging'], false, false],
    [['/usr/lib/electron', '/src/coalition'], true, false],
    [['/opt/Coalition/coalition', 'server', 'worker'], false, false],
  ])('%j (from a clone: %s) is a worker launch: %s', (argv, fromClone, expected) => {
    expect(isWorkerLaunch(argv, fromClone)).toBe(expected);
  });

  it('runs the worker command and exits with its code: a bad setting is named and exits 2', async () => {
    fake.resetFake('/nonexistent');
    electronProcess.defaultApp = false;
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await runAsWorker(['/opt/Coalition/coalition', 'worker', '--server', 'not a url', '--name', 'local-1']);
      expect(fake.state.exitCode).toBe(2);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(/server/i);
    } finally {
      stderr.mockRestore();
      process.exitCode = undefined;
    }
  });
});
