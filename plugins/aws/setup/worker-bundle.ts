import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

const EXCLUDES = [
  '--exclude=./node_modules', '--exclude=./.git', '--exclude=./data', '--exclude=./dist', '--exclude=./out', '--exclude=./test-results',
  // A data dir kept elsewhere in the checkout must not ship the server's tokens or secrets.
  '--exclude=secrets.json', '--exclude=tokens.json', '--exclude=.env',
];

/**
 * Packs the Coalition checkout as the worker bundle (`srv/coalition.tar.gz`): the repository
 * without node_modules, data or .git; the instance runs `npm ci` when node_modules is absent.
 * With GNU tar the archive is reproducible (sorted names, fixed times and owners, gzip with no
 * timestamp), so the same checkout packs to the same bytes and a re-run uploads nothing.
 */
export async function packWorkerBundle(repoRoot: string, outFile: string): Promise<void> {
  const reproducible = ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner'];
  try {
    await run('tar', ['-czf', outFile, ...reproducible, ...EXCLUDES, '-C', repoRoot, '.'], { env: { ...process.env, GZIP: '-n' } });
  } catch {
    // Not GNU tar (macOS): still a valid bundle, only not byte-for-byte reproducible.
    await run('tar', ['-czf', outFile, ...EXCLUDES, '-C', repoRoot, '.']);
  }
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path).on('data', (chunk) => hash.update(chunk)).on('error', reject).on('end', () => resolve(hash.digest('hex')));
  });
}
