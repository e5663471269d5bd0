/** Writes real plugin folders into a temp dir for the plugin host tests. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface PluginEvent {
  plugin: string;
  event: string;
}

/** Plugins written by these helpers push what happens to them here (same process). */
export function pluginEvents(): PluginEvent[] {
  const g = globalThis as { __coalitionPluginEvents?: PluginEvent[] };
  g.__coalitionPluginEvents ??= [];
  return g.__coalitionPluginEvents;
}

export async function writePlugin(
  root: string,
  folder: string,
  manifest: Record<string, unknown>,
  files: Record<string, string>,
): Promise<string> {
  const dir = path.join(root, folder);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify(manifest));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

export const manifest = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  version: '1.2.3',
  type: 'module',
  main: 'index.ts',
  coalition: { apiVersion: 1 },
  ...extra,
});

/** A plugin module: `body` runs inside `activate(ctx)`; registrations record their disposal. */
export function pluginSource(name: string, body: string, deactivate = ''): string {
  return `
const events = (globalThis.__coalitionPluginEvents ??= []);
const note = (event) => events.push({ plugin: ${JSON.stringify(name)}, event });
const provider = (providerName) => ({
  name: providerName,
  offers: async () => [], prices: async () => [], list: async () => [],
  launch: async () => ({ started: [], failed: [] }), terminate: async (ids) => ({ terminated: ids, failed: [] }),
  dispose: () => note('provider ' + providerName + ' disposed'),
});
export async function activate(ctx) {
  note('activate');
  ${body}
}
export async function deactivate() {
  note('deactivate');
  ${deactivate}
}
`;
}
