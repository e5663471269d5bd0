/**
 * The IPC channel of each call the preload exposes (see core/desktop-bridge.ts). One name per
 * call: the main process answers only these, each with its own argument check.
 */
export const BRIDGE_CHANNELS = {
  pickFile: 'coalition:pick-file',
  openDataFolder: 'coalition:open-data-folder',
  notify: 'coalition:notify',
} as const;

export type BridgeCall = keyof typeof BRIDGE_CHANNELS;
