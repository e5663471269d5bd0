/**
 * bench:ui — the web UI in Debian's Chromium against a real server holding 100,000 jobs.
 *
 * 1. A server process gets 50 groups of 1,000 frames and 50,000 root jobs (interleaved).
 * 2. firstRowsMs: a cold page opens /jobs (token in storage) until its first row is visible.
 * 3. scrollFrameP95Ms: the page scrolls from the top of the table (every root row) to its end,
 *    one step per animation frame; the 95th percentile of the frame intervals.
 * 4. Simulated workers (HTTP, pickjob → endjob) end about 500 jobs/s; the page shows the root
 *    jobs WORKING, and records when each row first shows FINISHED (after the next paint);
 *    updateP50Ms/updateP95Ms: from the moment endjob was sent for a job to that paint.
 *    All finished jobs are reset when the queue runs dry, so the updates go on.
 * 5. heapMB: the page's JS heap after `--minutes` (default 5) of updates, after a GC.
 * 6. serverCpuPerUi: server CPU (share of one core) added by each of 20 more open UIs,
 *    measured under the same load.
 * `--minutes N` shortens the update phase while developing (the figure to report is 5);
 * BENCH_SCROLL_ONLY=1 stops after the scroll.
 * The last line is one JSON object with the figures.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { launchChromium } from '../test/e2e/browser.ts';
import { removeDir, startServerProcess, TEST_TOKENS } from '../test/helpers/processes.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const MINUTES = arg('minutes', 5);
const GROUPS = arg('groups', 50);
const FRAMES = arg('frames', 1000);
const ROOTS = arg('roots', 50_000);
const RATE = arg('rate', 500);
const WORKERS = arg('workers', 100);
const UIS = arg('uis', 20);
const CPU_WINDOW_S = arg('cpu-seconds', 20);

const out = (line: string) => process.stdout.write(`${line}\n`);
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const percentile = (values: number[], p: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const agent = new http.Agent({ keepAlive: true, maxSockets: WORKERS + 20 });
/** One request; a dropped keep-alive connection is retried once on a fresh one. */
async function call<T>(port: number, method: string, path: string, body: unknown, token: string): Promise<{ status: number; body: T }> {
  try {
    return await request<T>(port, method, path, body, token);
  } catch (e) {
    if (process.env.BENCH_DEBUG) process.stderr.write(`${new Date().toISOString()} ${method} ${path}: ${(e as Error).message}\n`);
    await sleep(50);
    return request<T>(port, method, path, body, token);
  }
}

function request<T>(port: number, method: string, path: string, body: unknown, token: string): Promise<{ status: number; body: T }> {
  const data = body === undefined ? '' : JSON.stringify(body);
  return new Promise((ok, fail) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), Authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        ok({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : undefined) as T });
      });
    });
    req.on('error', fail);
    req.end(data);
  });
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * In the page: when each row first shows FINISHED, at the paint after the DOM changed. (Plain
 * script text: tsx would wrap a function's inner functions in helpers the page lacks.)
 */
const RECORDER = `(() => {
  const w = window;
  w.__finished = {};
  w.__seenBefore = {};
  const scan = () => {
    const now = [];
    for (const row of document.querySelectorAll('.row[data-id]')) {
      const id = row.dataset.id;
      const state = row.querySelector('[data-testid="state"]')?.textContent;
      if (state === 'FINISHED') {
        if (w.__seenBefore[id] && w.__finished[id] === undefined) now.push(id);
      } else w.__seenBefore[id] = true;
    }
    if (now.length) {
      for (const id of now) w.__finished[id] = -1;
      requestAnimationFrame(() => {
        const t = Date.now();
        for (const id of now) w.__finished[id] = t;
      });
    }
  };
  new MutationObserver(scan).observe(document, { subtree: true, childList: true, characterData: true });
})()`;

/** In the page: scrolls the jobs table top to bottom in about `seconds`, one step per frame. */
const SCROLLER = (seconds: number) => `new Promise((done) => {
  const el = document.querySelector('[data-testid="job-table"]');
  const frames = [];
  const height = el.scrollHeight - el.clientHeight;
  const step = height / (${seconds} * 60);
  let last = 0;
  const tick = (now) => {
    if (last) frames.push(now - last);
    last = now;
    if (el.scrollTop >= height - 1) return done({ frames, height });
    el.scrollTop = Math.min(height, el.scrollTop + step);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})`;

async function main() {
  const server = await startServerProcess({ args: ['--servermode', 'normal'], env: { COALITION_SERVERMODE: 'normal' } });
  const port = server.port;
  const admin = (method: string, path: string, body?: unknown) => call<unknown>(port, method, path, body, TEST_TOKENS.admin);
  const pid = server.child.pid!;
  const browser = await launchChromium();
  try {
    // 1. The farm.
    let t = Date.now();
    const perRootBatch = Math.ceil(ROOTS / GROUPS);
    for (let g = 0; g < GROUPS; g++) {
      const frames = Array.from({ length: FRAMES }, (_, i) => ({ title: `shot ${g} frame ${i + 1}`, command: `render ${i + 1}` }));
      const r1 = await admin('PUT', '/api/jobs', { title: `shot ${g}`, children: frames });
      const roots = Array.from({ length: perRootBatch }, (_, i) => ({ title: `job ${g}-${i}`, command: 'true' }));
      const r2 = await admin('PUT', '/api/jobs', roots);
      if (r1.status !== 200 || r2.status !== 200) throw new Error(`submission refused: ${JSON.stringify(r1.body ?? r2.body)}`);
    }
    const total = GROUPS * (FRAMES + 1) + GROUPS * perRootBatch;
    out(`farm: ${total.toLocaleString()} jobs (${GROUPS} groups of ${FRAMES} frames, ${(GROUPS * perRootBatch).toLocaleString()} root jobs) in ${round((Date.now() - t) / 1000)} s`);

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript((token) => localStorage.setItem('coalition.token', token), TEST_TOKENS.admin);
    await context.addInitScript({ content: RECORDER });

    // 2. First rows.
    const page = await context.newPage();
    t = Date.now();
    await page.goto(`${server.url}/jobs`);
    await page.locator('.row[data-id]').first().waitFor();
    const firstRowsMs = Date.now() - t;
    out(`first rows visible after ${firstRowsMs} ms`);

    // 3. Scroll the whole table.
    await page.getByTestId('connection').filter({ hasText: 'Live' }).waitFor();
    const perf = await context.newCDPSession(page);
    await perf.send('Performance.enable');
    const metrics = async () => Object.fromEntries(((await perf.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> }).metrics.map((m) => [m.name, m.value]));
    const before = await metrics();
    const scroll = (await page.evaluate(SCROLLER(arg('scroll-seconds', 20)))) as { frames: number[]; height: number };
    const scrollFrameP95Ms = round(percentile(scroll.frames, 95), 2);
    const after = await metrics();
    const spent = (k: string) => round((after[k] - before[k]) * 1000);
    out(`while scrolling: script ${spent('ScriptDuration')} ms, layout ${spent('LayoutDuration')} ms, style ${spent('RecalcStyleDuration')} ms, tasks ${spent('TaskDuration')} ms`);
    out(`scrolled ${Math.round(scroll.height).toLocaleString()} px in ${scroll.frames.length} frames: p50 ${round(percentile(scroll.frames, 50), 2)} ms, p95 ${scrollFrameP95Ms} ms, max ${round(Math.max(...scroll.frames), 1)} ms`);
    if (process.env.BENCH_SCROLL_ONLY) return;

    // 4. Updates: simulated workers end ~RATE jobs/s; the page shows the WORKING root jobs.
    await page.goto(`${server.url}/jobs?state=WORKING`);
    await page.getByTestId('connection').filter({ hasText: 'Live' }).waitFor();
    const endSent = new Map<number, number>();
    let ended = 0;
    let stop = false;
    let nextSlot = Date.now();
    let dry = 0;
    const worker = async (w: number) => {
      const name = `sim-${w}`;
      while (!stop) {
        const picked = await call<{ job: { id: number } | null }>(port, 'POST', '/workers/pickjob', { name, wait: 500, cpu: [20, 30], free_memory: 1000, total_memory: 4000 }, TEST_TOKENS.worker);
        const job = picked.body?.job;
        if (!job) {
          dry++;
          continue;
        }
        nextSlot = Math.max(Date.now(), nextSlot + 1000 / RATE);
        const at = Math.max(nextSlot, Date.now() + 100);
        await sleep(at - Date.now());
        endSent.set(job.id, Date.now());
        await call(port, 'POST', '/workers/endjob', { name, job: job.id, exit_code: 0, log: '' }, TEST_TOKENS.worker);
        ended++;
      }
    };
    const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
    const resetter = (async () => {
      while (!stop) {
        await sleep(1000);
        if (dry > WORKERS) {
          dry = 0;
          const roots = (await admin('GET', '/api/jobs')).body as Array<{ id: number }>;
          await admin('POST', '/api/resetjobs', roots.map((r) => r.id));
          out('queue ran dry: every job reset');
        }
      }
    })();
    const started = Date.now();
    const updatesMs = MINUTES * 60_000;
    let lastReport = started;
    while (Date.now() - started < updatesMs) {
      await sleep(1000);
      if (Date.now() - lastReport >= 30_000) {
        lastReport = Date.now();
        out(`${round((Date.now() - started) / 60_000, 1)} min: ${ended.toLocaleString()} jobs ended (${Math.round(ended / ((Date.now() - started) / 1000))}/s)`);
      }
    }
    const rate = ended / ((Date.now() - started) / 1000);
    const finished = (await page.evaluate('window.__finished')) as Record<string, number>;
    const latencies: number[] = [];
    for (const [id, at] of Object.entries(finished)) {
      const sent = endSent.get(Number(id));
      if (sent !== undefined && at > 0 && at >= sent) latencies.push(at - sent);
    }
    const updateP50Ms = Math.round(percentile(latencies, 50));
    const updateP95Ms = Math.round(percentile(latencies, 95));
    out(`updates: ${latencies.length.toLocaleString()} rows seen turning FINISHED while ${Math.round(rate)} jobs/s ended: p50 ${updateP50Ms} ms, p95 ${updateP95Ms} ms`);

    // 5. Heap after the updates.
    const cdp = await context.newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; totalSize: number };
    const heapMB = round(heap.usedSize / 1048576);
    out(`page heap after ${MINUTES} min of updates: ${heapMB} MB used (${round(heap.totalSize / 1048576)} MB allocated)`);

    // 6. Server CPU per open UI, under the same load.
    const measure = async () => {
      const c0 = cpuSeconds(pid);
      const t0 = Date.now();
      await sleep(CPU_WINDOW_S * 1000);
      return (cpuSeconds(pid) - c0) / ((Date.now() - t0) / 1000);
    };
    const base = await measure();
    // One browser context per UI, as 20 people would have: a browser keeps at most 6
    // connections per server, and each open UI holds one for its event stream.
    const extra: Page[] = [];
    for (let i = 0; i < UIS; i++) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await ctx.addInitScript((token) => localStorage.setItem('coalition.token', token), TEST_TOKENS.admin);
      const p = await ctx.newPage();
      await p.goto(`${server.url}/jobs`);
      await p.locator('.row[data-id]').first().waitFor();
      extra.push(p);
    }
    const loaded = await measure();
    const serverCpuPerUi = round((loaded - base) / UIS, 4);
    out(`server CPU: ${round(base * 100)}% of a core with 1 UI, ${round(loaded * 100)}% with ${UIS + 1}: ${round(serverCpuPerUi * 100, 2)}% of a core per UI`);
    stop = true;
    await Promise.all([...workers, resetter]);
    for (const p of extra) await p.context().close();

    out(JSON.stringify({ jobs: total, jobsPerSecond: Math.round(rate), minutes: MINUTES, firstRowsMs, scrollFrameP95Ms, updateP50Ms, updateP95Ms, updateSamples: latencies.length, heapMB, serverCpuPerUi }));
  } catch (e) {
    const code = await Promise.race([server.exited, sleep(100).then(() => "still running")]);
    process.stderr.write(`failed: ${(e as Error).stack}\nserver (${code}) output (tail):\n${server.output().slice(-3000)}\n`);
    throw e;
  } finally {
    await browser.close();
    await server.kill();
    removeDir(server.dataDir);
  }
}

await main();
process.exit(0);
