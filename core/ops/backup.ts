import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as tar from 'tar';
import { validationError } from '../errors.ts';
import type { Farm } from '../farm/farm.ts';
import type { Store } from '../store/store.ts';
import { dataDirHolder } from './data-lock.ts';

export const MANIFEST = 'coalition-backup.json';
const SKIP = new Set(['server.pid', MANIFEST]);

export interface BackupManifest {
  format: 1;
  farmId: string;
  createdAt: string;
  files: string[];
}

/**
 * Copies the data dir into `into` while the server runs, consistently: every write asked for
 * so far is flushed, then the store's files are held still (writers wait, a few ms for a small
 * farm) while they are copied, then released. Logs are copied after the release (a running
 * job's log may hold a few more lines than its job shows). Secrets (tokens.json, secrets.json)
 * are included: a backup restores the whole farm, so keep it like the data dir itself.
 */
export async function snapshotDataDir(o: { dataDir: string; store: Store; farm: Farm; farmId: string; into: string }): Promise<{ manifest: BackupManifest; heldMs: number }> {
  await mkdir(o.into, { recursive: true, mode: 0o700 });
  await o.farm.persist();
  const entries = (await readdir(o.dataDir, { withFileTypes: true })).filter((e) => !SKIP.has(e.name) && !e.name.startsWith('.backup-') && !e.name.endsWith('~'));
  const releases = await Promise.all(o.store.all().map((c) => c.hold()));
  const heldAt = performance.now();
  let heldMs = 0;
  try {
    for (const e of entries) if (e.name !== 'logs') await cp(join(o.dataDir, e.name), join(o.into, e.name), { recursive: true, preserveTimestamps: true });
  } finally {
    for (const release of releases) release();
    heldMs = performance.now() - heldAt;
  }
  if (entries.some((e) => e.name === 'logs')) await cp(join(o.dataDir, 'logs'), join(o.into, 'logs'), { recursive: true });
  const manifest: BackupManifest = { format: 1, farmId: o.farmId, createdAt: new Date(o.farm.clock.now()).toISOString(), files: entries.map((e) => e.name).sort() };
  await writeFile(join(o.into, MANIFEST), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
  return { manifest, heldMs };
}

/** A gzipped tar stream of a snapshot folder. */
export function packSnapshot(dir: string): NodeJS.ReadableStream {
  return tar.c({ gzip: true, cwd: dir, portable: true }, ['.']) as unknown as NodeJS.ReadableStream;
}

/**
 * Restores a backup archive into `dataDir` (the server must be stopped): unpacks it beside the
 * data dir, checks its manifest, then swaps folders; the old data dir is kept as
 * `<data>.before-restore-<time>`. Answers the manifest and where the old data went.
 */
export async function restoreDataDir(archive: string, dataDir: string, now = new Date()): Promise<{ manifest: BackupManifest; previous?: string }> {
  const holder = dataDirHolder(dataDir);
  if (holder !== undefined) throw validationError(`a Coalition server (pid ${holder}) is running on ${dataDir}: stop it before restoring (a backup, on the other hand, runs while it serves)`);
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const staging = join(dirname(dataDir), `.${basename(dataDir)}.restore-${stamp}`);
  await mkdir(staging, { recursive: true, mode: 0o700 });
  try {
    await tar.x({ file: archive, cwd: staging, strict: true });
    let manifest: BackupManifest;
    try {
      manifest = JSON.parse(await readFile(join(staging, MANIFEST), 'utf8')) as BackupManifest;
    } catch {
      throw validationError(`${archive} is not a Coalition backup (no ${MANIFEST} inside)`);
    }
    if (manifest.format !== 1) throw validationError(`${archive}: backup format ${String(manifest.format)} is not known to this version`);
    await rm(join(staging, MANIFEST));
    let previous: string | undefined;
    if (await stat(dataDir).catch(() => undefined)) {
      previous = `${dataDir}.before-restore-${stamp}`;
      await rename(dataDir, previous);
    }
    await rename(staging, dataDir);
    return { manifest, previous };
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
}
