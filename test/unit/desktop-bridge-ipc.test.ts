import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('../helpers/fake-electron.ts'));

const fake = await import('../helpers/fake-electron.ts');
const { registerBridgeHandlers } = await import('../../electron/main/ipc-handlers.ts');
const { BRIDGE_CHANNELS } = await import('../../electron/preload/channels.ts');
const { KeychainSecretStore } = await import('../../electron/main/keychain-secret-store.ts');

const origin = 'http://127.0.0.1:19211';

describe('the preload', () => {
  beforeEach(() => fake.resetFake('/nonexistent'));

  it('exposes exactly the bridge allow-list as window.coalitionDesktop, each call on its own channel with only its argument', async () => {
    vi.resetModules();
    await import('../../electron/preload/index.ts');
    expect(fake.recorded.exposed.map((e) => e.name)).toEqual(['coalitionDesktop']);
    const api = fake.recorded.exposed[0].api as Record<string, (...a: unknown[]) => Promise<unknown>>;
    expect(Object.keys(api).sort()).toEqual(['notify', 'openDataFolder', 'pickFile', 'version']);
    expect(api.version).toBe(1);
    await api.pickFile({ title: 'Renderer archive' }, 'smuggled');
    await api.openDataFolder('smuggled');
    await api.notify({ title: 't', body: 'b' }, 'smuggled');
    expect(fake.recorded.invoked).toEqual([
      { channel: BRIDGE_CHANNELS.pickFile, args: [{ title: 'Renderer archive' }] },
      { channel: BRIDGE_CHANNELS.openDataFolder, args: [] },
      { channel: BRIDGE_CHANNELS.notify, args: [{ title: 't', body: 'b' }] },
    ]);
  });
});

describe('the bridge IPC handlers', () => {
  let window: InstanceType<typeof fake.FakeBrowserWindow>;
  let remove: () => void;
  beforeEach(() => {
    fake.resetFake('/nonexistent');
    window = new fake.FakeBrowserWindow({});
    void window.loadURL(`${origin}/setup?firstrun=1`);
    remove = registerBridgeHandlers({ origin, dataDir: '/home/me/.config/Coalition/data', window: () => window as never });
  });
  afterEach(() => remove());
  const page = () => ({ contents: window.webContents });

  it('answers the farm page: a file dialog, the data folder, a notification', async () => {
    fake.state.openDialogResult = { canceled: false, filePaths: ['/home/me/guerilla_render.tar.gz'] };
    const filters = [{ name: 'Archives', extensions: ['tar.gz', 'zip'] }];
    await expect(fake.invokeFromPage(BRIDGE_CHANNELS.pickFile, page(), { title: 'Renderer archive', filters })).resolves.toBe('/home/me/guerilla_render.tar.gz');
    expect(fake.recorded.openDialogs).toEqual([{ title: 'Renderer archive', filters, properties: ['openFile'] }]);
    fake.state.openDialogResult = { canceled: true, filePaths: [] };
    await expect(fake.invokeFromPage(BRIDGE_CHANNELS.pickFile, page(), {})).resolves.toBeNull();
    await fake.invokeFromPage(BRIDGE_CHANNELS.openDataFolder, page());
    expect(fake.recorded.openedPaths).toEqual(['/home/me/.config/Coalition/data']);
    await fake.invokeFromPage(BRIDGE_CHANNELS.notify, page(), { title: 'Render done', body: 'shot 010' });
    expect(fake.recorded.notifications).toEqual([{ title: 'Render done', body: 'shot 010' }]);
  });

  it('handles only the allow-list channels', () => {
    expect(fake.handledChannels().sort()).toEqual(Object.values(BRIDGE_CHANNELS).sort());
  });

  // The main frame showing another page (it navigated away), a sub-frame, a frame gone.
  const mainFrameAt = (url: string) => () => {
    window.webContents.mainFrame = new fake.FakeFrame(url);
    return { contents: window.webContents };
  };
  it.each([
    ['a page of another origin', mainFrameAt('https://evil.example/'), 'a page of https://evil.example may not call'],
    ['the same host on another port', mainFrameAt('http://127.0.0.1:8080/'), 'a page of http://127.0.0.1:8080 may not call'],
    ['a sub-frame of the farm page', () => ({ contents: window.webContents, frame: new fake.FakeFrame(`${origin}/frame`) }), 'only the main frame may call'],
    ['a frame that is gone', () => ({ contents: window.webContents, frame: null }), 'the calling frame is gone'],
  ])('refuses %s, doing nothing', async (_name, from, reason) => {
    const sender = from();
    for (const [channel, args] of [[BRIDGE_CHANNELS.pickFile, [{}]], [BRIDGE_CHANNELS.openDataFolder, []], [BRIDGE_CHANNELS.notify, [{ title: 'x', body: 'y' }]]] as const) {
      await expect(fake.invokeFromPage(channel, sender, ...args)).rejects.toThrow(reason);
    }
    expect(fake.recorded.openDialogs).toEqual([]);
    expect(fake.recorded.openedPaths).toEqual([]);
    expect(fake.recorded.notifications).toEqual([]);
  });

  it.each([
    [BRIDGE_CHANNELS.pickFile, [], 'refused pickFile'],
    [BRIDGE_CHANNELS.pickFile, [{ title: 'x', defaultPath: '/etc' }], 'Unrecognized key: "defaultPath"'],
    [BRIDGE_CHANNELS.pickFile, [{ filters: [{ name: 'x', extensions: ['../../x'] }] }], '0.filters.0.extensions.0'],
    [BRIDGE_CHANNELS.pickFile, [{ title: 7 }], '0.title'],
    [BRIDGE_CHANNELS.pickFile, [{}, 'extra'], 'refused pickFile'],
    [BRIDGE_CHANNELS.openDataFolder, ['/etc'], 'refused openDataFolder'],
    [BRIDGE_CHANNELS.notify, [{ title: '', body: 'b' }], '0.title'],
    [BRIDGE_CHANNELS.notify, [{ title: 't' }], '0.body'],
    [BRIDGE_CHANNELS.notify, [{ title: 't', body: 'b', icon: '/etc/passwd' }], 'Unrecognized key: "icon"'],
    [BRIDGE_CHANNELS.notify, ['just text'], '0'],
  ])('refuses %s with bad arguments %j, doing nothing', async (channel, args, message) => {
    await expect(fake.invokeFromPage(channel, page(), ...args)).rejects.toThrow(message);
    expect(fake.recorded.openDialogs).toEqual([]);
    expect(fake.recorded.openedPaths).toEqual([]);
    expect(fake.recorded.notifications).toEqual([]);
  });
});

describe('the keychain secret store', () => {
  let dir: string;
  beforeEach(() => {
    fake.resetFake('/nonexistent');
    dir = mkdtempSync(path.join(tmpdir(), 'coalition-keychain-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips secrets through safeStorage; the file holds only ciphertext, readable by its owner only', async () => {
    const store = new KeychainSecretStore(dir, fake.safeStorage as never, {});
    await store.set('aws.secretAccessKey', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    await store.set('aws.accessKeyId', 'AKIAIOSFODNN7EXAMPLE');
    const again = new KeychainSecretStore(dir, fake.safeStorage as never, {});
    expect(await again.get('aws.secretAccessKey')).toBe('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    expect(await again.get('aws.accessKeyId')).toBe('AKIAIOSFODNN7EXAMPLE');
    const onDisk = readFileSync(store.file, 'utf8');
    expect(onDisk).not.toContain('wJalrXUtnFEMI');
    expect(onDisk).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(onDisk).not.toContain(Buffer.from('AKIAIOSFODNN7EXAMPLE').toString('base64'));
    if (process.platform !== 'win32') expect((await import('node:fs')).statSync(store.file).mode & 0o777).toBe(0o600);
    await again.delete('aws.accessKeyId');
    expect(await store.get('aws.accessKeyId')).toBeUndefined();
  });

  it('lets the environment win, as headless', async () => {
    const store = new KeychainSecretStore(dir, fake.safeStorage as never, { COALITION_SECRET_AWS_SECRET_ACCESS_KEY: 'from-env' });
    await store.set('aws.secretAccessKey', 'stored');
    expect(await store.get('aws.secretAccessKey')).toBe('from-env');
  });

  it.each([
    ['no encryption at all', () => { fake.state.encryptionAvailable = false; }, 'this system offers no keychain'],
    ['the fixed-key "basic_text" backend on Linux', () => { fake.state.storageBackend = 'basic_text'; }, 'no secret service'],
  ])('refuses to store anything with %s, and writes no file', async (_name, setUp, reason) => {
    setUp();
    const store = new KeychainSecretStore(dir, fake.safeStorage as never, {});
    await expect(store.set('aws.secretAccessKey', 'plain')).rejects.toThrow(reason);
    await expect(store.set('aws.secretAccessKey', 'plain')).rejects.toThrow('COALITION_SECRET_AWS_SECRET_ACCESS_KEY');
    expect(() => readFileSync(store.file)).toThrow(/ENOENT/);
    expect(await store.get('aws.secretAccessKey')).toBeUndefined();
  });
});
