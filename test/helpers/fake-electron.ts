/**
 * A small stand-in for the `electron` module (the Electron binary cannot run here): the parts
 * the desktop main process and preload use, recording what they are asked and letting a test
 * answer dialogs, emit events and invoke IPC handlers. Tests use it with
 * `vi.mock('electron', () => import('../helpers/fake-electron.ts'))`.
 */
import { EventEmitter } from 'node:events';

export const state = {
  userData: '',
  otherInstanceRunning: false,
  encryptionAvailable: true,
  storageBackend: 'gnome_libsecret',
  /** Answers of the next `dialog.showMessageBox` calls (button indexes). */
  messageBoxResponses: [] as number[],
  openDialogResult: { canceled: true, filePaths: [] as string[] },
  quitted: false,
  exitCode: undefined as number | undefined,
};

export const recorded = {
  windows: [] as FakeBrowserWindow[],
  trays: [] as FakeTray[],
  notifications: [] as Array<{ title: string; body: string }>,
  messageBoxes: [] as Array<{ message: string; buttons: string[] }>,
  errorBoxes: [] as Array<{ title: string; content: string }>,
  openDialogs: [] as unknown[],
  openedExternally: [] as string[],
  openedPaths: [] as string[],
  exposed: [] as Array<{ name: string; api: Record<string, unknown> }>,
  invoked: [] as Array<{ channel: string; args: unknown[] }>,
  clipboard: [] as string[],
};

export function resetFake(userData: string): void {
  state.userData = userData;
  state.otherInstanceRunning = false;
  state.encryptionAvailable = true;
  state.storageBackend = 'gnome_libsecret';
  state.messageBoxResponses = [];
  state.openDialogResult = { canceled: true, filePaths: [] };
  state.quitted = false;
  state.exitCode = undefined;
  for (const list of Object.values(recorded)) list.length = 0;
  app.removeAllListeners();
  ipcHandlers.clear();
  defaultSession.reset();
}

/** An Electron-style event: `preventDefault()` and `defaultPrevented`. */
export function fakeEvent<T extends object>(extra: T = {} as T): T & { preventDefault(): void; defaultPrevented: boolean } {
  const event = { ...extra, defaultPrevented: false, preventDefault: () => { event.defaultPrevented = true; } };
  return event;
}

class FakeApp extends EventEmitter {
  isPackaged = false;
  dock = { hide: () => undefined };
  requestSingleInstanceLock(): boolean {
    return !state.otherInstanceRunning;
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  getPath(name: string): string {
    if (name !== 'userData') throw new Error(`fake app.getPath: ${name}`);
    return state.userData;
  }
  getAppPath(): string {
    return process.cwd();
  }
  disableHardwareAcceleration(): void {}
  /** As Electron: before-quit (preventable), then every window's close (preventable), then will-quit and quit. */
  quit(): void {
    const before = fakeEvent();
    this.emit('before-quit', before);
    if (before.defaultPrevented) return;
    for (const window of recorded.windows.filter((w) => !w.destroyed)) {
      const close = fakeEvent();
      window.emit('close', close);
      if (close.defaultPrevented) return;
      window.destroyed = true;
    }
    this.emit('will-quit', fakeEvent());
    state.quitted = true;
    this.emit('quit');
  }
  exit(code = 0): void {
    state.exitCode = code;
  }
}
export const app = new FakeApp();

export class FakeFrame {
  constructor(public url: string) {}
}

export class FakeWebContents extends EventEmitter {
  mainFrame: FakeFrame;
  windowOpenHandler: ((details: { url: string }) => { action: 'allow' | 'deny' }) | undefined;
  loaded: string[] = [];
  constructor() {
    super();
    this.mainFrame = new FakeFrame('about:blank');
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'allow' | 'deny' }): void {
    this.windowOpenHandler = handler;
  }
  async loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    this.mainFrame.url = url;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  readonly webContents = new FakeWebContents();
  destroyed = false;
  shown = false;
  focused = 0;
  constructor(readonly options: Record<string, unknown>) {
    super();
    recorded.windows.push(this);
  }
  loadURL(url: string): Promise<void> {
    return this.webContents.loadURL(url);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isMinimized(): boolean {
    return false;
  }
  restore(): void {}
  show(): void {
    this.shown = true;
  }
  focus(): void {
    this.focused++;
  }
}
export { FakeBrowserWindow as BrowserWindow };

type Listener = (details: Record<string, unknown>, callback: (response: Record<string, unknown>) => void) => void;
class FakeSession {
  beforeSendHeaders: { filter: { urls: string[] }; listener: Listener } | undefined;
  headersReceived: { filter: { urls: string[] }; listener: Listener } | undefined;
  permissionRequestHandler: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | undefined;
  permissionCheckHandler: ((...args: unknown[]) => boolean) | undefined;
  webRequest = {
    onBeforeSendHeaders: (filter: { urls: string[] }, listener: Listener) => { this.beforeSendHeaders = { filter, listener }; },
    onHeadersReceived: (filter: { urls: string[] }, listener: Listener) => { this.headersReceived = { filter, listener }; },
  };
  setPermissionRequestHandler(handler: FakeSession['permissionRequestHandler']): void {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: FakeSession['permissionCheckHandler']): void {
    this.permissionCheckHandler = handler;
  }
  reset(): void {
    this.beforeSendHeaders = this.headersReceived = undefined;
    this.permissionRequestHandler = this.permissionCheckHandler = undefined;
  }
}
const defaultSession = new FakeSession();
export const session = { defaultSession };

const ipcHandlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
export const ipcMain = {
  handle: (channel: string, handler: (event: unknown, ...args: unknown[]) => unknown) => {
    if (ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    ipcHandlers.set(channel, handler);
  },
  removeHandler: (channel: string) => ipcHandlers.delete(channel),
};
export function handledChannels(): string[] {
  return [...ipcHandlers.keys()];
}
/** Calls a handler as Electron would for `ipcRenderer.invoke` from `frame` (the main frame of `contents` unless told). */
export async function invokeFromPage(channel: string, from: { contents: FakeWebContents; frame?: FakeFrame | null }, ...args: unknown[]): Promise<unknown> {
  const handler = ipcHandlers.get(channel);
  if (!handler) throw new Error(`No handler registered for '${channel}'`);
  const senderFrame = from.frame === undefined ? from.contents.mainFrame : from.frame;
  return handler({ sender: from.contents, senderFrame }, ...args);
}

/** A reversible stand-in for the OS keychain: ciphertext that is not the plaintext. */
export const safeStorage = {
  isEncryptionAvailable: () => state.encryptionAvailable,
  getSelectedStorageBackend: () => state.storageBackend,
  encryptString: (plain: string) => Buffer.from(`sealed:${Buffer.from(plain, 'utf8').reverse().toString('base64')}`),
  decryptString: (sealed: Buffer) => {
    const text = sealed.toString('utf8');
    if (!text.startsWith('sealed:')) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return Buffer.from(text.slice('sealed:'.length), 'base64').reverse().toString('utf8');
  },
};

export class FakeTray extends EventEmitter {
  tooltip = '';
  menu: { items: Array<{ label?: string; click?: () => void; enabled?: boolean }> } | undefined;
  destroyed = false;
  constructor(readonly image: unknown) {
    super();
    recorded.trays.push(this);
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setContextMenu(menu: FakeTray['menu']): void {
    this.menu = menu;
  }
  destroy(): void {
    this.destroyed = true;
  }
}
export { FakeTray as Tray };

export const Menu = { buildFromTemplate: (items: unknown[]) => ({ items }) };
export const nativeImage = { createFromPath: (path: string) => ({ path }) };
export const clipboard = { writeText: (text: string) => recorded.clipboard.push(text) };

export class Notification {
  constructor(private readonly options: { title: string; body: string }) {}
  static isSupported(): boolean {
    return true;
  }
  show(): void {
    recorded.notifications.push({ title: this.options.title, body: this.options.body });
  }
}

export const dialog = {
  showMessageBox: async (...args: unknown[]) => {
    const options = args[args.length - 1] as { message: string; buttons: string[] };
    recorded.messageBoxes.push({ message: options.message, buttons: options.buttons });
    const response = state.messageBoxResponses.shift();
    if (response === undefined) throw new Error(`unexpected message box: ${options.message}`);
    return { response, checkboxChecked: false };
  },
  showOpenDialog: async (...args: unknown[]) => {
    recorded.openDialogs.push(args[args.length - 1]);
    return state.openDialogResult;
  },
  showErrorBox: (title: string, content: string) => recorded.errorBoxes.push({ title, content }),
};

export const shell = {
  openExternal: async (url: string) => {
    recorded.openedExternally.push(url);
  },
  openPath: async (path: string) => {
    recorded.openedPaths.push(path);
    return '';
  },
};

export const contextBridge = {
  exposeInMainWorld: (name: string, api: Record<string, unknown>) => recorded.exposed.push({ name, api }),
};
export const ipcRenderer = {
  invoke: async (channel: string, ...args: unknown[]) => {
    recorded.invoked.push({ channel, args });
  },
};
