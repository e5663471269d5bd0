import { BrowserWindow, shell, type BrowserWindowConstructorOptions, type WebContents } from 'electron';
import { isSafeExternalLink } from './external-links.ts';

/** The web preferences of every window: isolated, sandboxed, no Node, web security on. */
export function secureWebPreferences(preload: string): NonNullable<BrowserWindowConstructorOptions['webPreferences']> {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** A link the page may not open itself: to the system browser when it passes the check, else nowhere. */
function openOutside(url: string): void {
  if (isSafeExternalLink(url)) void shell.openExternal(url);
}

/**
 * Keeps a web contents on the farm's origin: navigation elsewhere is stopped (a safe http(s)
 * link goes to the system browser instead), `window.open` never makes a window (a same-origin
 * URL loads in place, a safe external one goes to the browser), and no `<webview>` attaches.
 */
export function confineToOrigin(contents: WebContents, origin: string): void {
  const guard = (event: { preventDefault(): void }, url: string) => {
    if (originOf(url) === origin) return;
    event.preventDefault();
    openOutside(url);
  };
  contents.on('will-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (originOf(url) === origin) void contents.loadURL(url);
    else openOutside(url);
    return { action: 'deny' };
  });
}

/** The farm's window, on `url` (of the farm's origin). */
export function createFarmWindow(options: { url: string; origin: string; preload: string; icon?: string }): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 720,
    minHeight: 480,
    title: 'Coalition',
    icon: options.icon,
    show: false,
    webPreferences: secureWebPreferences(options.preload),
  });
  confineToOrigin(window.webContents, options.origin);
  window.once('ready-to-show', () => window.show());
  void window.loadURL(options.url);
  return window;
}
