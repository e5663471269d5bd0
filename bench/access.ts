/**
 * bench:access — what access control and operations cost.
 *
 * 1. A password check (scrypt, N=2^15), median of 20.
 * 2. Authenticated requests/s through the whole middleware (auth, audit hook, rate limit, route
 *    gate) with 20 concurrent clients: the admin token, a personal token, a session cookie.
 * 3. A backup of a farm of `--jobs` jobs while it serves: how long writes were held, the total,
 *    the archive size.
 * 4. A /metrics scrape of that farm (it counts every job).
 * The last line is one JSON object with the figures.
 */
import { performance } from 'node:perf_hooks';
import { hashPassword, verifyPassword } from '../core/access/passwords.ts';
import { parseJobInput } from '../core/jobs/job-input.ts';
import { startTestFarm } from '../test/helpers/access-fixtures.ts';
import { TEST_TOKENS } from '../test/helpers/processes.ts';
import { systemClock } from '../core/clock.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const JOBS = Number(arg('jobs', '100000'));
const REQUESTS = Number(arg('requests', '5000'));
const out = (line: string) => process.stdout.write(line + '\n');
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const hash = await hashPassword('correct horse battery');
const checks: number[] = [];
for (let i = 0; i < 20; i++) {
  const t = performance.now();
  await verifyPassword('correct horse battery', hash);
  checks.push(performance.now() - t);
}
out(`password check (scrypt): ${round(median(checks))} ms median`);

const farm = await startTestFarm({ clock: systemClock, apiratelimit: 0 });
const url = farm.server.url;
const login = await fetch(`${url}/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: 'wendy', password: 'wendy-password-1' }) });
const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
await login.arrayBuffer();

async function rate(headers: Record<string, string>): Promise<number> {
  let left = REQUESTS;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (left-- > 0) {
        const res = await fetch(`${url}/api/session`, { headers });
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
        await res.arrayBuffer();
      }
    }),
  );
  return REQUESTS / ((performance.now() - t) / 1000);
}
await rate({ Authorization: `Bearer ${TEST_TOKENS.admin}` }); // warm-up
const adminRate = await rate({ Authorization: `Bearer ${TEST_TOKENS.admin}` });
const personalRate = await rate({ Authorization: `Bearer ${farm.tokens.alice}` });
const sessionRate = await rate({ Cookie: cookie });
out(`authenticated GET /api/session: admin token ${round(adminRate, 0)}/s, personal token ${round(personalRate, 0)}/s, session cookie ${round(sessionRate, 0)}/s`);

const perShot = 1000;
for (let s = 0; s < JOBS / perShot; s++) {
  await farm.server.farm.submit([parseJobInput({ title: `shot ${s}`, children: Array.from({ length: perShot }, (_, f) => ({ title: `frame ${f}`, command: `render ${f}` })) })]);
}
let writes = 0;
let writing = true;
const writer = (async () => {
  while (writing) {
    const res = await fetch(`${url}/api/jobs`, { method: 'PUT', headers: { Authorization: `Bearer ${TEST_TOKENS.admin}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ command: 'true' }) });
    await res.arrayBuffer();
    writes++;
  }
})();
const t0 = performance.now();
const backup = await fetch(`${url}/api/ops/backup`, { method: 'POST', headers: { Authorization: `Bearer ${TEST_TOKENS.admin}` } });
const bytes = (await backup.arrayBuffer()).byteLength;
const backupMs = performance.now() - t0;
writing = false;
await writer;
const heldMs = Number(backup.headers.get('x-backup-held-ms'));
out(`backup of ${JOBS} jobs: writes held ${round(heldMs)} ms, ${round(backupMs, 0)} ms in all, ${round(bytes / 1e6, 2)} MB; ${writes} submissions answered meanwhile`);

const s0 = performance.now();
const scrape = await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${TEST_TOKENS.admin}` } });
await scrape.text();
const scrapeMs = performance.now() - s0;
out(`/metrics scrape with ${JOBS} jobs: ${round(scrapeMs)} ms`);
await farm.stop();

out(JSON.stringify({ bench: 'access', passwordCheckMs: round(median(checks)), adminTokenRps: round(adminRate, 0), personalTokenRps: round(personalRate, 0), sessionRps: round(sessionRate, 0), backupJobs: JOBS, backupHeldMs: round(heldMs), backupMs: round(backupMs, 0), backupMB: round(bytes / 1e6, 2), submissionsDuringBackup: writes, metricsScrapeMs: round(scrapeMs) }));
