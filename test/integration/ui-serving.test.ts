import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, TEST_TOKENS, killAll, removeDir, startServerProcess, startWorkerProcess, waitFor, type ServerProc } from '../helpers/processes.ts';
import express from 'express';
import { uiRoutes } from '../../core/http/ui-static.ts';
import { submitJob } from './worker-farm.ts';

let server: ServerProc;
beforeAll(async () => {
  server = await startServerProcess();
});
afterAll(async () => {
  await killAll();
  removeDir(server.dataDir);
});

describe('serving the web UI', () => {
  it('answers the pages of the UI without a token, while the API still needs one', async () => {
    for (const path of ['/', '/jobs', '/jobs/12', '/workers', '/cloud', '/setup?firstrun=1', '/events', '/affinities', '/plugins', '/account', '/audit', '/users']) {
      const res = await fetch(server.url + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toMatch(/text\/html/);
    }
    expect((await fetch(`${server.url}/api/jobs`)).status).toBe(401);
    expect((await fetch(`${server.url}/api/view/jobs`)).status).toBe(401);
    const pick = await fetch(`${server.url}/workers/pickjob`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } });
    expect(pick.status).toBe(401);
  });

  it('serves the built files, hashed assets for a year, and 404s a missing asset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coalition-ui-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>UI</title>');
    writeFileSync(join(dir, 'assets', 'app-abc123.js'), 'console.log(1)');
    const app = express().use(uiRoutes(dir));
    const http = app.listen(0, '127.0.0.1');
    await new Promise((r) => http.once('listening', r));
    const base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
    try {
      expect(await (await fetch(`${base}/jobs/5`)).text()).toContain('<title>UI</title>');
      const asset = await fetch(`${base}/assets/app-abc123.js`);
      expect(asset.headers.get('cache-control')).toMatch(/max-age=31536000/);
      expect((await fetch(`${base}/assets/gone.js`)).status).toBe(404);
    } finally {
      http.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the API the UI adds', () => {
  it('GET /api/view/jobs pages and counts; a bad query is a 400 naming the parameter', async () => {
    for (let i = 0; i < 5; i++) await submitJob(server.url, { title: `t${i}`, command: 'true', state: 'PAUSED' });
    const page = await api<{ total: number; rows: Array<{ title: string }>; counts: Record<string, number> }>(server.url, 'GET', '/api/view/jobs?limit=2&sort=title&order=desc&state=PAUSED');
    expect(page.status).toBe(200);
    expect(page.body.rows.map((r) => r.title)).toEqual(['t4', 't3']);
    expect(page.body.counts.PAUSED).toBeGreaterThanOrEqual(5);
    const bad = await api<{ error: { code: string; message: string } }>(server.url, 'GET', '/api/view/jobs?sort=nope');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/sort must be one of/);
  });

  it('POST /api/reseterrorjobs queues the failed jobs of a group again and leaves the others; a malformed list changes nothing, an unknown id is skipped and named', async () => {
    const group = await submitJob(server.url, { title: 'g', children: [{ title: 'bad', command: 'exit 3' }, { title: 'good', command: 'true' }] });
    const worker = startWorkerProcess(server.url, ['--name', 'resetter']);
    const children = async () => (await api<Array<{ title: string; state: string; run_done: number }>>(server.url, 'GET', `/api/jobs/${group}/children`)).body;
    await waitFor(async () => (await children()).every((c) => c.state === 'FINISHED' || c.state === 'ERROR'), { what: 'both children to end', timeoutMs: 30_000 });
    await worker.kill();
    const refused = await api<{ error: { message: string } }>(server.url, 'POST', '/api/reseterrorjobs', [group, 'not-an-id']);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/id/);
    expect((await children()).find((c) => c.title === 'bad')?.state).toBe('ERROR');
    // As the old server did, an unknown id is skipped (and named in a header); the rest is done.
    const done = await fetch(`${server.url}/api/reseterrorjobs`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_TOKENS.admin}`, 'Content-Type': 'application/json' },
      body: JSON.stringify([group, 999999]),
    });
    expect(done.status).toBe(200);
    expect(done.headers.get('X-Coalition-Unknown')).toBe('999999');
    const after = await children();
    expect(after.find((c) => c.title === 'bad')).toMatchObject({ state: 'WAITING', run_done: 0 });
    expect(after.find((c) => c.title === 'good')?.state).toBe('FINISHED');
  });

  it('GET /api/view/facets lists users and workers', async () => {
    await submitJob(server.url, { title: 'u', command: 'true', user: 'facet-user', state: 'PAUSED' });
    const facets = await api<{ users: string[]; states: string[] }>(server.url, 'GET', '/api/view/facets');
    expect(facets.body.users).toContain('facet-user');
    expect(facets.body.states).toContain('ERROR');
  });
});
