/**
 * The desktop window's preload: exposes exactly `window.coalitionDesktop` (core/desktop-bridge.ts)
 * through the context bridge, and nothing else: no ipcRenderer, no process, no require. Each
 * call forwards only its own argument on its own channel; the main process checks the sender
 * and the argument. It runs sandboxed, so it is bundled into one CommonJS file that requires
 * only `electron`.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { DesktopBridge } from '../../core/desktop-bridge.ts';
import { BRIDGE_CHANNELS } from './channels.ts';

const bridge: DesktopBridge = {
  version: 1,
  pickFile: (options) => ipcRenderer.invoke(BRIDGE_CHANNELS.pickFile, options),
  openDataFolder: () => ipcRenderer.invoke(BRIDGE_CHANNELS.openDataFolder),
  notify: (notification) => ipcRenderer.invoke(BRIDGE_CHANNELS.notify, notification),
};

contextBridge.exposeInMainWorld('coalitionDesktop', bridge);
