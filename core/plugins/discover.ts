import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.ts';

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/**
 * Plugin folders under each root, in order: a root that has a `package.json` is itself a
 * plugin; otherwise each sub-folder with a `package.json` is one. Missing roots are logged
 * and skipped (a typo in `plugindirs` must not stop the server).
 */
export async function discoverPluginFolders(roots: string[], logger: Logger): Promise<string[]> {
  const found: string[] = [];
  for (const root of roots) {
    const dir = path.resolve(root);
    if (await isFile(path.join(dir, 'package.json'))) {
      found.push(dir);
      continue;
    }
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      logger.warn({ dir, err: (err as Error).message }, 'plugin folder not readable, skipped');
      continue;
    }
    const names = entries
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules')
      .map((e) => e.name)
      .sort();
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (await isFile(path.join(candidate, 'package.json'))) found.push(candidate);
    }
  }
  return found;
}

/** `plugindirs = /opt/a, ./b` → absolute paths (relative ones from `base`). */
export function parsePluginDirs(value: string | undefined, base: string): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => path.resolve(base, s));
}
