import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { conflict } from '../errors.ts';

const held = new Set<string>();

/** The pid of the live server holding `dataDir`, if any (a stale file of a killed one does not count). */
export function dataDirHolder(dataDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dataDir, 'server.pid'), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (pid === process.pid) return held.has(dataDir) ? pid : undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

/**
 * `<data>/server.pid`: one server per data dir (two would interleave their journals), and a
 * restore refuses to swap the files of a running server. Returns the release.
 */
export function lockDataDir(dataDir: string): () => void {
  const holder = dataDirHolder(dataDir);
  if (holder !== undefined) throw conflict(`another Coalition server (pid ${holder}) uses the data dir ${dataDir}: stop it first, or give this one another --data`);
  writeFileSync(join(dataDir, 'server.pid'), `${process.pid}\n`, { mode: 0o600 });
  held.add(dataDir);
  return () => {
    held.delete(dataDir);
    rmSync(join(dataDir, 'server.pid'), { force: true });
  };
}
