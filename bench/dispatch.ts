/**
 * bench:dispatch — how fast the server hands out and takes back jobs over real HTTP.
 *
 * 1. A bare `node:http` server answers the same number of trivial JSON requests from the same
 *    client harness: the limit of this machine for this many connections.
 * 2. The real server (a child process, fresh data dir) gets N zero-length jobs in one bulk
 *    submission; W simulated workers loop pickjob → endjob until the queue is empty.
 * 3. Submit-to-start: idle workers hold long-polls; single jobs are submitted one at a time and
 *    the time until a worker receives each is measured.
 * The last line is one JSON object with the figures.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { freePort, removeDir, startServerProcess, TEST_TOKENS, tempDir, waitFor } from '../test/helpers/processes.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const JOBS = arg('jobs', 100_000);
const WORKERS = arg('workers', 1_000);
const PROBES = arg('probes', 200);

const agent = new http.Agent({ keepAlive: true, maxSockets: WORKERS + 50 });

function post(port: number, path: string, body: unknown, token = TEST_TOKENS.worker, method = 'POST'): Promise<{ status: number; body: unknown }> {
  const data = JSON.stringify(body);
  return new Promise((ok, fail) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method, agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), Authorization: `Bearer ${token}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          ok({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', fail);
    req.end(data);
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

function peakRssMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return round(kb / 1024, 1);
}

/** The bare limit: same harness, same request count and concurrency, trivial handler. */
async function bareBaseline(requests: number): Promise<{ rate: number; cpuPerRequestMs: number }> {
  const port = await freePort();
  const code = `const http=require('node:http');http.createServer((q,s)=>{let b='';q.on('data',c=>b+=c);q.on('end',()=>{s.setHeader('Content-Type','application/json');s.end('{"ok":true}')})}).listen(${port},'127.0.0.1',()=>console.log('up'))`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((ok) => child.stdout!.once('data', ok));
  let left = requests;
  const cpu0 = cpuSeconds(child.pid!);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (left-- > 0) await post(port, '/workers/pickjob', { name: 'w', cpu: [1, 2], free_memory: 1000, total_memory: 2000 });
    }),
  );
  const rate = requests / ((performance.now() - t0) / 1000);
  const cpuPerRequestMs = ((cpuSeconds(child.pid!) - cpu0) * 1000) / requests;
  child.kill();
  return { rate, cpuPerRequestMs };
}

async function main() {
  const out = (line: string) => process.stdout.write(line + '\n');
  out(`bench:dispatch — ${JOBS} jobs, ${WORKERS} simulated workers, 127.0.0.1`);
  const bare = await bareBaseline(2 * JOBS);
  const bareRequestsPerSecond = bare.rate;
  out(`bare node:http: ${Math.round(bareRequestsPerSecond)} requests/s, ${bare.cpuPerRequestMs.toFixed(3)} ms of server CPU per request`);

  const dataDir = tempDir('coalition-bench-');
  const server = await startServerProcess({ dataDir, env: { COALITION_LOG_LEVEL: 'error' } });
  try {
    const admin = TEST_TOKENS.admin;
    const t0 = performance.now();
    const frames = Array.from({ length: JOBS }, (_, i) => ({ title: `f${i + 1}`, command: 'true' }));
    const submitted = await post(server.port, '/api/jobs', { title: 'bench', children: frames }, admin, 'PUT');
    if (submitted.status !== 200) throw new Error(`submit failed: ${JSON.stringify(submitted.body)}`);
    out(`submitted ${JOBS} jobs in one request: ${round((performance.now() - t0) / 1000)} s`);

    const pickMs: number[] = [];
    const endMs: number[] = [];
    let done = 0;
    const cpu0 = cpuSeconds(server.child.pid!);
    const start = performance.now();
    await Promise.all(
      Array.from({ length: WORKERS }, async (_, w) => {
        const name = `sim-${w}`;
        for (;;) {
          const p0 = performance.now();
          const picked = (await post(server.port, '/workers/pickjob', { name, cpu: [10, 20], free_memory: 1000, total_memory: 2000, wait: 0 })).body as { job: { id: number } | null };
          pickMs.push(performance.now() - p0);
          if (!picked.job) return;
          const e0 = performance.now();
          const ended = await post(server.port, '/workers/endjob', { name, job: picked.job.id, exit_code: 0, log: '' });
          endMs.push(performance.now() - e0);
          if (ended.status !== 200) throw new Error(`endjob: ${JSON.stringify(ended.body)}`);
          done++;
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    const jobsPerSecond = done / seconds;
    const cpuPerJobMs = ((cpuSeconds(server.child.pid!) - cpu0) * 1000) / done;
    out(`completed ${done} jobs in ${round(seconds)} s: ${Math.round(jobsPerSecond)} jobs/s, ${cpuPerJobMs.toFixed(3)} ms of server CPU per job (pickjob + endjob)`);

    // Submit-to-start with idle long-polling workers.
    const idle = 50;
    const latencies: number[] = [];
    let stop = false;
    const submittedAt = new Map<number, number>();
    const pollers = Array.from({ length: idle }, async (_, w) => {
      while (!stop) {
        const r = (await post(server.port, '/workers/pickjob', { name: `idle-${w}`, wait: 2000 })).body as { job: { id: number } | null };
        if (!r.job) continue;
        const at = performance.now();
        const t = submittedAt.get(r.job.id);
        if (t !== undefined) latencies.push(at - t);
        await post(server.port, '/workers/endjob', { name: `idle-${w}`, job: r.job.id, exit_code: 0 });
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < PROBES; i++) {
      const t = performance.now();
      const id = (await post(server.port, '/api/jobs', { title: `probe-${i}`, command: 'true' }, admin, 'PUT')).body as number;
      submittedAt.set(id, t);
      await waitFor(() => latencies.length > i, { timeoutMs: 10_000, intervalMs: 1, what: `probe ${i} to start` });
    }
    stop = true;
    await Promise.all(pollers);

    const sortedPick = pickMs.sort((a, b) => a - b);
    const sortedEnd = endMs.sort((a, b) => a - b);
    const sortedStart = latencies.sort((a, b) => a - b);
    const result = {
      jobsPerSecond: Math.round(jobsPerSecond),
      bareRequestsPerSecond: Math.round(bareRequestsPerSecond),
      ratio: round((2 * jobsPerSecond) / bareRequestsPerSecond, 3),
      pickP50Ms: round(percentile(sortedPick, 50)),
      pickP99Ms: round(percentile(sortedPick, 99)),
      endP99Ms: round(percentile(sortedEnd, 99)),
      submitToStartP50Ms: round(percentile(sortedStart, 50)),
      peakRssMB: peakRssMB(server.child.pid!),
      // The client shares this machine's cores: the same ratio by server CPU time per request.
      serverCpuMsPerJob: round(cpuPerJobMs, 3),
      bareCpuMsPerRequest: round(bare.cpuPerRequestMs, 3),
      cpuRatio: round((2 * bare.cpuPerRequestMs) / cpuPerJobMs, 3),
    };
    out(`pickjob p50 ${result.pickP50Ms} ms, p99 ${result.pickP99Ms} ms; endjob p99 ${result.endP99Ms} ms; submit-to-start p50 ${result.submitToStartP50Ms} ms; server peak RSS ${result.peakRssMB} MB`);
    out(JSON.stringify(result));
  } finally {
    await server.kill('SIGKILL');
    removeDir(dataDir);
    agent.destroy();
  }
}

await main();
