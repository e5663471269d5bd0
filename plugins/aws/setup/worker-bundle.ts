import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Packs the Coalition checkout as the worker bundle (`srv/coalition.tar.gz`): the repository
 * without node_modules, data or .git; the instance runs `npm ci` when node_modules is absent.
 */
export async function packWorkerBundle(repoRoot: string, outFile: string): Promise<void> {
  await run('tar', [
    '-czf', outFile,
    '--exclude=./node_modules', '--exclude=./.git', '--exclude=./data', '--exclude=./dist', '--exclude=./out',
    // A data dir kept elsewhere in the checkout must not ship the server's tokens or secrets.
    '--exclude=secrets.json', '--exclude=tokens.json', '--exclude=.env',
    '-C', repoRoot, '.',
  ]);
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path).on('data', (chunk) => hash.update(chunk)).on('error', reject).on('end', () => resolve(hash.digest('hex')));
  });
}
