/**
 * bench:stream — what live clients cost the server.
 *
 * A churn of `--jobs` jobs ended at `--rate` jobs/s (simulated workers over HTTP: pickjob then
 * endjob) runs three times against one real server process: with no stream client, with
 * `--clients` event-stream clients that read everything, and with as many that never read.
 * It prints the churn's time and slowdown, the server's RSS in each phase, and what a client
 * received. The last line is one JSON object with the figures.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { removeDir, startServerProcess, TEST_TOKENS, tempDir } from '../test/helpers/processes.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CLIENTS = arg('clients', 500);
const JOBS = arg('jobs', 10_000);
const RATE = arg('rate', 1_000);
const WORKERS = arg('workers', 50);

const out = (line: string) => process.stdout.write(line + '\n');
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const agent = new http.Agent({ keepAlive: true, maxSockets: WORKERS + 10 });

function call(port: number, method: string, path: string, body: unknown, token: string): Promise<{ status: number; body: unknown }> {
  const data = JSON.stringify(body);
  return new Promise((ok, fail) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), Authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined }));
    });
    req.on('error', fail);
    req.end(data);
  });
}

function rssMB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: round(kb('VmRSS') / 1024, 1), peak: round(kb('VmHWM') / 1024, 1) };
}

const EVENT = Buffer.from('event: ');
const RESYNC = Buffer.from('event: resync');

interface Client {
  bytes: number;
  messages: number;
  resyncs: number;
  close(): void;
}

/** Event-stream clients: reading everything, or never reading (`stalled`). */
async function openClients(port: number, count: number, stalled: boolean): Promise<Client[]> {
  const clients: Client[] = [];
  for (let i = 0; i < count; i++) {
    clients.push(
      await new Promise<Client>((ok, fail) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/api/stream', headers: { Authorization: `Bearer ${TEST_TOKENS.admin}` } }, (res) => {
          const client: Client = { bytes: 0, messages: 0, resyncs: 0, close: () => req.destroy() };
          if (res.statusCode !== 200) fail(new Error(`stream answered ${res.statusCode}`));
          if (stalled) res.pause();
          res.on('data', (chunk: Buffer) => {
            client.bytes += chunk.length;
            for (let at = chunk.indexOf(EVENT); at !== -1; at = chunk.indexOf(EVENT, at + 1)) client.messages++;
            if (chunk.includes(RESYNC)) client.resyncs++;
          });
          res.on('error', () => {});
          ok(client);
        });
        req.on('error', fail);
      }),
    );
  }
  return clients;
}

/** Submits the jobs, then ends them at the target rate; returns the churn's seconds. */
async function churn(port: number, tag: string): Promise<number> {
  const frames = Array.from({ length: JOBS }, (_, i) => ({ title: `${tag} ${i}`, command: 'true', affinity: tag }));
  const submitted = await call(port, 'PUT', '/api/jobs', { title: tag, children: frames }, TEST_TOKENS.admin);
  if (submitted.status !== 200) throw new Error(`submit failed: ${JSON.stringify(submitted.body)}`);
  let issued = 0;
  let done = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: WORKERS }, async (_, w) => {
      const name = `${tag}-w${w}`;
      for (;;) {
        while (issued >= (RATE * (performance.now() - start)) / 1000) await new Promise((r) => setTimeout(r, 1));
        issued++;
        const picked = (await call(port, 'POST', '/workers/pickjob', { name, affinity: tag, wait: 0, cpu: [10], free_memory: 1000, total_memory: 2000 }, TEST_TOKENS.worker)).body as { job: { id: number } | null };
        if (!picked.job) return;
        await call(port, 'POST', '/workers/endjob', { name, job: picked.job.id, exit_code: 0 }, TEST_TOKENS.worker);
        done++;
      }
    }),
  );
  if (done !== JOBS) throw new Error(`${done} of ${JOBS} jobs ended`);
  return (performance.now() - start) / 1000;
}

async function main() {
  out(`bench:stream — ${JOBS} jobs at ${RATE} jobs/s (${WORKERS} simulated workers), ${CLIENTS} stream clients, 127.0.0.1`);
  const dataDir = tempDir('coalition-bench-stream-');
  const server = await startServerProcess({ dataDir, env: { COALITION_LOG_LEVEL: 'error', COALITION_TIMEOUT: '3600', COALITION_STREAMSPERTOKEN: String(CLIENTS * 2 + 10) } });
  const pid = server.child.pid!;
  try {
    const alone = await churn(server.port, 'alone');
    const rssAlone = rssMB(pid);
    out(`no clients: churn ${round(alone)} s, server RSS ${rssAlone.rss} MB`);

    const readers = await openClients(server.port, CLIENTS, false);
    const withReaders = await churn(server.port, 'readers');
    const rssReaders = rssMB(pid);
    await new Promise((r) => setTimeout(r, 500));
    const perClient = { messages: round(readers.reduce((s, c) => s + c.messages, 0) / CLIENTS, 1), kB: round(readers.reduce((s, c) => s + c.bytes, 0) / CLIENTS / 1024, 1) };
    out(`${CLIENTS} reading clients: churn ${round(withReaders)} s (${round(withReaders / alone)}×), server RSS ${rssReaders.rss} MB; each client got ${perClient.messages} messages, ${perClient.kB} kB`);
    for (const c of readers) c.close();

    const stalled = await openClients(server.port, CLIENTS, true);
    const withStalled = await churn(server.port, 'stalled');
    const rssStalled = rssMB(pid);
    for (const c of stalled) c.close();
    await new Promise((r) => setTimeout(r, 2_000));
    const rssAfter = rssMB(pid);
    out(`${CLIENTS} clients that never read: churn ${round(withStalled)} s (${round(withStalled / alone)}×), server RSS ${rssStalled.rss} MB, ${rssAfter.rss} MB after they closed; peak ${rssAfter.peak} MB`);

    out(
      JSON.stringify({
        clients: CLIENTS,
        jobs: JOBS,
        targetJobsPerSecond: RATE,
        churnSecondsAlone: round(alone),
        churnSecondsWithClients: round(withReaders),
        slowdown: round(withReaders / alone, 3),
        churnSecondsWithStalledClients: round(withStalled),
        stalledSlowdown: round(withStalled / alone, 3),
        serverRssMBAlone: rssAlone.rss,
        serverRssMBWithClients: rssReaders.rss,
        serverRssMBWithStalledClients: rssStalled.rss,
        serverRssMBAfterStalledClosed: rssAfter.rss,
        serverPeakRssMB: rssAfter.peak,
        messagesPerClient: perClient.messages,
        kBPerClient: perClient.kB,
        resyncsPerClient: round(readers.reduce((s, c) => s + c.resyncs, 0) / CLIENTS, 1),
      }),
    );
  } finally {
    await server.kill('SIGKILL');
    removeDir(dataDir);
    agent.destroy();
  }
}

await main();
