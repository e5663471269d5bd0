import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadWorkerSettings } from '../../headless/worker-command.ts';

describe('worker settings', () => {
  const dirs: string[] = [];
  const iniFile = (text: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'coalition-ini-'));
    dirs.push(dir);
    const file = path.join(dir, 'coalition.ini');
    writeFileSync(file, text);
    return file;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('defaults to the host name, one slot and a 1 s heartbeat', () => {
    const settings = loadWorkerSettings({ server: 'http://farm:19211/' }, {}, 'host7');
    expect(settings).toMatchObject({ serverUrl: 'http://farm:19211', name: 'host7', workers: 1, heartbeatSeconds: 1, affinity: '', runCommand: '' });
  });

  it('reads the [worker] section of an old coalition.ini, keys in any case', () => {
    const config = iniFile(
      '[server]\nport = 19211\n\n[worker]\nserverurl = http://old:19211\nworkers = 4\nname = box\nsleep = 5\nruncommand = sudo -u __user__ __cmd__\nstartup = mount -a\nverbose = 1\n',
    );
    const settings = loadWorkerSettings({ config }, {}, 'host7');
    expect(settings).toMatchObject({
      serverUrl: 'http://old:19211',
      workers: 4,
      name: 'box',
      heartbeatSeconds: 5,
      runCommand: 'sudo -u __user__ __cmd__',
      startup: 'mount -a',
      verbose: true,
    });
  });

  it('lets the environment override the file and the flags override both', () => {
    const config = iniFile('[worker]\nserverUrl = http://ini:1\nname = from-ini\nworkers = 2\n');
    const env = { COALITION_SERVER: 'http://env:2', COALITION_WORKER_NAME: 'from-env' };
    const settings = loadWorkerSettings({ config, name: 'from-flag', affinity: 'linux, gpu' }, env, 'host7');
    expect(settings).toMatchObject({ serverUrl: 'http://env:2', name: 'from-flag', workers: 2, affinity: 'linux,gpu' });
  });

  it('names the key and its source when a value is wrong', () => {
    const config = iniFile('[worker]\nserverUrl = http://ini:1\nworkers = many\n');
    expect(() => loadWorkerSettings({ config }, {}, 'h')).toThrow(/workers from .*coalition\.ini \[worker\]: "many" must be a whole number/);
    expect(() => loadWorkerSettings({ server: 'http://s', heartbeat: '0' }, {}, 'h')).toThrow(/heartbeatSeconds from the command line/);
    expect(() => loadWorkerSettings({ server: 'ftp://s' }, {}, 'h')).toThrow(/must start with http/);
    expect(() => loadWorkerSettings({}, {}, 'h')).toThrow(/no server URL: pass --server/);
    expect(() => loadWorkerSettings({ config: '/nonexistent/coalition.ini', server: 'http://s' }, {}, 'h')).toThrow(/cannot read it \(ENOENT\)/);
  });
});
