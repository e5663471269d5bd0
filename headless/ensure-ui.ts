/**
 * Builds the web UI (renderer/dist) when it is missing or older than its sources, so that
 * `npm start` on a fresh clone shows the UI with no extra step; a no-op (a few ms of `stat`)
 * when it is up to date. `--force` always builds.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const RENDERER = resolve(import.meta.dirname, '../renderer');
const BUILT = join(RENDERER, 'dist', 'index.html');
const SOURCES = ['src', 'public', 'index.html', 'vite.config.ts', 'tsconfig.json'].map((p) => join(RENDERER, p));

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let max = s.mtimeMs;
  for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry)));
  return max;
}

export function uiIsStale(): boolean {
  if (!existsSync(BUILT)) return true;
  const built = statSync(BUILT).mtimeMs;
  return SOURCES.some((p) => newest(p) > built);
}

export async function ensureUi(force = false): Promise<boolean> {
  if (!force && !uiIsStale()) return false;
  const { build } = await import('vite');
  await build({ configFile: join(RENDERER, 'vite.config.ts'), logLevel: 'warn' });
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = Date.now();
  const built = await ensureUi(process.argv.includes('--force'));
  if (built) process.stdout.write(`web UI built in ${Date.now() - started} ms (renderer/dist)\n`);
}
