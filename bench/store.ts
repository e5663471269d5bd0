/**
 * bench:store — a million jobs in the embedded store.
 *
 * 1. Inserts `--jobs` jobs (shots of 1,000 frames, one bulk submission per shot) through the
 *    real submission path (validation, job tree, store) in this process.
 * 2. Restarts: spawns the real server on that data dir and times spawn → first answer.
 * 3. Lists the root jobs 200 times over HTTP (p99), and reads the server's peak RSS.
 * `--engine nedb` runs the same on nedb-promises for comparison.
 * The last line is one JSON object with the figures.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../core/clock.ts';
import { Farm } from '../core/farm/farm.ts';
import { parseJobInput } from '../core/jobs/job-input.ts';
import { createLogger } from '../core/logger.ts';
import { openStore, type StoreEngine } from '../core/store/store.ts';
import { api, removeDir, startServerProcess, tempDir } from '../test/helpers/processes.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const JOBS = Number(arg('jobs', '1000000'));
const ENGINE = arg('engine', 'journal') as StoreEngine;
const PER_SHOT = 1000;
const out = (line: string) => process.stdout.write(line + '\n');
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

async function insert(dataDir: string): Promise<number> {
  const farm = new Farm({ store: openStore({ dataDir, engine: ENGINE }), dataDir, clock: systemClock, logger: createLogger({ quiet: true }) });
  await farm.open();
  const shots = Math.ceil(JOBS / PER_SHOT);
  const t0 = performance.now();
  for (let s = 0; s < shots; s++) {
    const frames = Array.from({ length: Math.min(PER_SHOT, JOBS - s * PER_SHOT) }, (_, f) => ({
      title: `shot${s} frame ${f + 1}`,
      command: `guerilla_render --frame ${f + 1} /projects/shot${s}/scene.gproject`,
      dir: `/projects/shot${s}`,
      affinity: 'linux',
      retry: 2,
    }));
    await farm.submit([parseJobInput({ title: `shot ${s}`, priority: 1000 + (s % 10), children: frames })]);
    if (s % 100 === 99) out(`  ${(s + 1) * PER_SHOT} jobs, ${Math.round(((s + 1) * PER_SHOT) / ((performance.now() - t0) / 1000))} jobs/s`);
  }
  const seconds = (performance.now() - t0) / 1000;
  await farm.close();
  return (shots + JOBS) / seconds;
}

async function main() {
  out(`bench:store — ${JOBS} jobs, engine ${ENGINE}`);
  const dataDir = tempDir('coalition-store-bench-');
  try {
    const insertPerSecond = await insert(dataDir);
    out(`inserted at ${Math.round(insertPerSecond)} jobs/s`);
    // Free this process's million jobs first, so its garbage collector does not compete with the server's start.
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 2000));
    const t0 = performance.now();
    const server = await startServerProcess({ dataDir, args: ['--store', ENGINE], env: { COALITION_LOG_LEVEL: 'error', NODE_OPTIONS: '--max-old-space-size=4096' } });
    const first = await api(server.url, 'GET', '/api/jobs?limit=1');
    const restartSeconds = (performance.now() - t0) / 1000;
    if (first.status !== 200) throw new Error(`server answered ${first.status}`);
    out(`restart to serving: ${round(restartSeconds)} s`);
    const times: number[] = [];
    let roots = 0;
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      const res = await api<unknown[]>(server.url, 'GET', '/api/jobs');
      times.push(performance.now() - t);
      roots = res.body.length;
    }
    times.sort((a, b) => a - b);
    const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
    const peakRssMB = round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024, 1);
    await server.kill('SIGKILL');
    const result = {
      jobs: JOBS,
      insertPerSecond: Math.round(insertPerSecond),
      restartSeconds: round(restartSeconds),
      peakRssMB,
      listRootsP99Ms: round(times[Math.floor(times.length * 0.99)]),
    };
    out(`listing ${roots} root jobs: p99 ${result.listRootsP99Ms} ms; server peak RSS ${peakRssMB} MB`);
    out(JSON.stringify(result));
  } finally {
    removeDir(dataDir);
  }
}

await main();
