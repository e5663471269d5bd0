/**
 * bench:soak — real worker processes killed and restarted at random while a farm works.
 *
 * `--processes` worker processes of `--slots` slots each run `--jobs` short jobs; every few
 * seconds (seeded, exponential with mean `--kill-every`) one of them is SIGKILLed and started
 * again under the same name after up to a second, as a service manager would. Each run of a
 * job writes a start and an end line, so reruns and runs of one job at the same time are seen.
 * Prints throughput, kills, reruns, and whether every job ended FINISHED exactly once (one
 * FINISHED run in the history, FINISHED now). The last line is one JSON object.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SeededRandom } from '../core/simulator/random.ts';
import { api, killAll, removeDir, startServerProcess, startWorkerProcess, tempDir, type Proc } from '../test/helpers/processes.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const PROCESSES = arg('processes', 4);
const SLOTS = arg('slots', 5);
const JOBS = arg('jobs', 3_000);
const KILL_EVERY_S = arg('kill-every', 3);
const SEED = arg('seed', 1);
const out = (line: string) => process.stdout.write(line + '\n');
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

async function main() {
  out(`bench:soak — ${PROCESSES} worker processes × ${SLOTS} slots, ${JOBS} jobs, a SIGKILL every ~${KILL_EVERY_S} s (seed ${SEED})`);
  const work = tempDir('coalition-soak-');
  const server = await startServerProcess({ env: { COALITION_TIMEOUT: '2', COALITION_LOG_LEVEL: 'error' } });
  const runs = path.join(work, 'runs.log');
  const rng = new SeededRandom(SEED);
  const workers: Proc[] = [];
  const start = (p: number) =>
    (workers[p] = startWorkerProcess(server.url, ['--name', `soak-${p}`, '--workers', String(SLOTS), '--state-dir', path.join(work, `state-${p}`)], { COALITION_LOG_LEVEL: 'error' }));
  try {
    // flock: a run finding the job's lock taken means another run of it is alive right now.
    const frames = Array.from({ length: JOBS }, (_, i) => ({
      title: `frame ${i}`,
      command: `flock -n ${work}/lock-${i} -c 'echo start ${i} >> ${runs}; sleep 0.0${1 + (i % 9)}' || echo concurrent ${i} >> ${runs}`,
      retry: 0,
    }));
    const top = (await api<number>(server.url, 'PUT', '/api/jobs', { title: 'soak', children: frames })).body;
    const t0 = performance.now();
    for (let p = 0; p < PROCESSES; p++) start(p);

    let kills = 0;
    let finished = 0;
    let nextKill = t0 + rng.exponential(1 / KILL_EVERY_S) * 1000;
    while (finished < JOBS) {
      await new Promise((r) => setTimeout(r, 100));
      finished = (await api<{ total_finished: number }>(server.url, 'GET', `/api/jobs/${top}`)).body.total_finished;
      if (performance.now() >= nextKill && finished < JOBS) {
        const p = Math.floor(rng.next() * PROCESSES);
        await workers[p].kill('SIGKILL');
        kills++;
        const delay = rng.next() * 1000;
        setTimeout(() => start(p), delay);
        nextKill = performance.now() + delay + rng.exponential(1 / KILL_EVERY_S) * 1000;
      }
    }
    const seconds = (performance.now() - t0) / 1000;

    // The history: exactly one FINISHED run per job, and every job FINISHED now.
    const events = (await api<Array<{ job_id: number; state: string }>>(server.url, 'GET', '/api/events?howlong=86400')).body;
    const children = (await api<Array<{ id: number; state: string }>>(server.url, 'GET', `/api/jobs/${top}/children`)).body;
    const finishedRuns = new Map<number, number>();
    for (const e of events) if (e.state === 'FINISHED') finishedRuns.set(e.job_id, (finishedRuns.get(e.job_id) ?? 0) + 1);
    const notOnce = children.filter((j) => j.state !== 'FINISHED' || finishedRuns.get(j.id) !== 1).length;
    const requeued = events.filter((e) => e.state === 'TIMEOUT' || e.state === 'INTERRUPTED').length;

    // What the jobs themselves saw: runs started, and runs that found another run of their job alive.
    const lines = readFileSync(runs, 'utf8').trim().split('\n');
    const runsStarted = lines.filter((l) => l.startsWith('start ')).length;
    const concurrent = lines.filter((l) => l.startsWith('concurrent ')).length;
    const result = {
      processes: PROCESSES,
      slots: PROCESSES * SLOTS,
      jobs: JOBS,
      kills,
      seconds: round(seconds),
      jobsPerSecond: round(JOBS / seconds, 1),
      runsStarted,
      reruns: runsStarted - JOBS,
      requeuedRuns: requeued,
      concurrentRuns: concurrent,
      finishedExactlyOnce: notOnce === 0 && finishedRuns.size === JOBS,
      jobsNotFinishedOnce: notOnce,
    };
    out(`${JOBS} jobs in ${result.seconds} s (${result.jobsPerSecond} jobs/s) with ${kills} worker kills: ${result.reruns} reruns, ${requeued} runs requeued, ${concurrent} runs beside another run of the same job; every job FINISHED exactly once: ${result.finishedExactlyOnce}`);
    out(JSON.stringify(result));
    process.exitCode = result.finishedExactlyOnce ? 0 : 1;
  } finally {
    await killAll();
    removeDir(server.dataDir);
    removeDir(work);
  }
}

await main();
