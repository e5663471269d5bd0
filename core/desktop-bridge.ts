/**
 * What the desktop app's preload exposes to the page as `window.coalitionDesktop`: a fixed
 * allow-list of what only a desktop can do. In a browser it is absent, and the page works
 * without it. The page never holds a secret through it: the desktop window's requests to the
 * farm's own origin carry the admin token, added by the main process, and AWS credentials stay
 * in the main process and the core.
 *
 * Types only: the renderer and the preload import it with `import type`.
 */
export interface DesktopBridge {
  readonly version: 1;
  /** A native file dialog; resolves to the chosen file's path on this machine, or null when cancelled. */
  pickFile(options: { title?: string; filters?: Array<{ name: string; extensions: string[] }> }): Promise<string | null>;
  /** Opens the farm's data folder in the system's file manager. */
  openDataFolder(): Promise<void>;
  /** A desktop notification. */
  notify(notification: { title: string; body: string }): Promise<void>;
}

declare global {
  interface Window {
    coalitionDesktop?: DesktopBridge;
  }
}
