/**
 * `npm run bench:startup [-- --runs N]`: how long the headless server takes from process start
 * to "listening", run from the TypeScript sources (`node --import tsx headless/main.ts`, what
 * `npm start` does) and from the server build (`node dist/headless/main.js`, what a cloud host
 * runs). The build is made fresh into a temp folder first. Each run uses a new data dir, port 0
 * and `servermode = normal` (no worker is started). Prints one JSON line.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const runsFlag = process.argv.indexOf('--runs');
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 7;

function startupMs(args: string[]): Promise<number> {
  const data = mkdtempSync(path.join(tmpdir(), 'coalition-bench-startup-'));
  const began = process.hrtime.bigint();
  const child = spawn(process.execPath, [...args, 'server', '--port', '0', '--host', '127.0.0.1', '--data', data, '--servermode', 'normal'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk;
      if (!out.includes('listening on')) return;
      const ms = Number(process.hrtime.bigint() - began) / 1e6;
      child.once('exit', () => {
        rmSync(data, { recursive: true, force: true });
        resolve(ms);
      });
      child.kill('SIGTERM');
    });
    child.once('exit', (code) => {
      if (!out.includes('listening on')) reject(new Error(`server exited (${code}) before listening: ${out}`));
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dist = mkdtempSync(path.join(tmpdir(), 'coalition-bench-dist-'));
try {
  execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'build-server.ts'), '--out', dist], { stdio: 'ignore' });
  symlinkSync(path.join(root, 'node_modules'), path.join(dist, 'node_modules'), 'dir');
  const faces = { tsx: ['--import', 'tsx', path.join(root, 'headless', 'main.ts')], built: [path.join(dist, 'headless', 'main.js')] };
  const times: Record<string, number[]> = { tsx: [], built: [] };
  await startupMs(faces.tsx); // warm the file cache (and tsx's own cache) once, as on a host that started before
  await startupMs(faces.built);
  for (let i = 0; i < runs; i++) {
    for (const face of ['tsx', 'built'] as const) times[face].push(await startupMs(faces[face]));
  }
  const round = (x: number) => Math.round(x);
  process.stdout.write(`${JSON.stringify({
    bench: 'startup',
    runs,
    tsxMedianMs: round(median(times.tsx)),
    builtMedianMs: round(median(times.built)),
    tsxMinMs: round(Math.min(...times.tsx)),
    builtMinMs: round(Math.min(...times.built)),
    speedup: Math.round((median(times.tsx) / median(times.built)) * 100) / 100,
  })}\n`);
} finally {
  rmSync(dist, { recursive: true, force: true });
}
