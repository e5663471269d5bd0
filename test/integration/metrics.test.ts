/** `GET /metrics` read by a Prometheus text-format parser, against a server whose scaler starts a real local worker. */
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { TEST_TOKENS, waitFor } from '../helpers/processes.ts';
import { call, startTestFarm, type TestFarm } from '../helpers/access-fixtures.ts';

let farm: TestFarm;
const scrape = async (token = TEST_TOKENS.admin): Promise<PrometheusFamily[]> => {
  const res = await call(farm.server.url, 'GET', '/metrics', { token });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return parsePrometheusTextFormat(String(res.body));
};
const family = (all: PrometheusFamily[], name: string) => {
  const f = all.find((x) => x.name === name);
  if (!f) throw new Error(`no metric ${name} in ${all.map((x) => x.name).join(', ')}`);
  return f;
};
const value = (all: PrometheusFamily[], name: string, labels: Record<string, string> = {}) =>
  Number(family(all, name).metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? NaN);

beforeAll(async () => {
  farm = await startTestFarm({ clock: systemClock, servermode: 'local', ini: { local: { maxinstances: '1', priceperhour: '0.36' } }, scalerTickSeconds: 1 });
});
afterAll(async () => {
  await farm.stop();
});

describe('/metrics', () => {
  it('counts jobs and workers by state, dispatches, pick latency, instances, spend and stream clients', async () => {
    const stream = new AbortController();
    const open = await fetch(`${farm.server.url}/api/stream`, { headers: { Authorization: `Bearer ${TEST_TOKENS.admin}` }, signal: stream.signal });
    expect(open.status).toBe(200);
    await call(farm.server.url, 'PUT', '/api/jobs', { token: TEST_TOKENS.admin, body: { title: 'group', children: [{ title: 'a', command: 'true' }, { title: 'b', command: 'sleep 30' }] } });
    await call(farm.server.url, 'PUT', '/api/jobs', { token: TEST_TOKENS.admin, body: { title: 'paused', command: 'true', state: 'PAUSED' } });
    // The scaler starts a local worker; it finishes "a" and runs "b".
    await waitFor(async () => value(await scrape(), 'coalition_jobs', { state: 'WORKING', kind: 'job' }) === 1 && value(await scrape(), 'coalition_jobs', { state: 'FINISHED', kind: 'job' }) === 1, { what: 'a finished job and a running one', timeoutMs: 45_000, intervalMs: 250 });
    const m = await scrape();
    expect(family(m, 'coalition_jobs').type).toBe('GAUGE');
    expect(value(m, 'coalition_jobs', { state: 'PAUSED', kind: 'job' }), `'coalition_jobs' { state: 'PAUSED', kind: 'job' }`).toBe(1);
    expect(family(m, 'coalition_jobs').metrics.filter((s) => s.labels?.kind === 'group').reduce((n, s) => n + Number(s.value), 0)).toBe(1);
    // (the local worker's own state may read TIMEOUT on a loaded machine: count it whatever its state)
    expect(family(m, 'coalition_workers').metrics.filter((s) => s.labels?.active === 'true').reduce((n, s) => n + Number(s.value), 0)).toBe(1);
    expect(family(m, 'coalition_jobs_dispatched_total').type).toBe('COUNTER');
    expect(value(m, 'coalition_jobs_dispatched_total'), 'coalition_jobs_dispatched_total').toBe(2);
    expect(family(m, 'coalition_pickjob_duration_seconds').type).toBe('HISTOGRAM');
    // (this parser keeps no labels on histogram samples: the count by outcome is read from the text)
    expect(await (await fetch(`${farm.server.url}/metrics`, { headers: { Authorization: `Bearer ${TEST_TOKENS.admin}` } })).text()).toMatch(/^coalition_pickjob_duration_seconds_count\{outcome="job"\} 2$/m);
    expect(value(m, 'coalition_cloud_instances', { type: 'local', market: 'on-demand' }), `'coalition_cloud_instances' { type: 'local', market: 'on-demand' }`).toBe(1);
    expect(value(m, 'coalition_cloud_spend_per_hour')).toBeCloseTo(0.36);
    expect(value(m, 'coalition_cloud_spend_today')).toBeGreaterThan(0);
    expect(value(m, 'coalition_stream_clients'), 'coalition_stream_clients').toBe(1);
    expect(value(m, 'coalition_http_requests_total', { method: 'PUT', status: '200' }), `'coalition_http_requests_total' { method: 'PUT', status: '200' }`).toBe(2);
    expect(family(m, 'process_resident_memory_bytes').type).toBe('GAUGE');
    // The scaler's launch is in the audit log, as done by the scaler.
    expect(farm.server.audit.query({ action: 'cloud.launch' }).entries[0]).toMatchObject({ actor: { via: 'scaler' }, details: { message: expect.stringContaining('launched 1 local on-demand') } });
    stream.abort();
    await waitFor(async () => value(await scrape(), 'coalition_stream_clients') === 0, { what: 'the stream to close' });
  });

  it("counts today's spend from the spend ledger, where an instance terminated still counts", async () => {
    const admin = (method: string, path: string, body?: unknown) => call(farm.server.url, method, path, { token: TEST_TOKENS.admin, body });
    type Cloud = { instances: Array<{ id?: string; state: string }>; spend: { today: number } };
    const group = ((await admin('GET', '/api/jobs')).body as Array<{ id: number; title: string }>).find((j) => j.title === 'group')!;
    expect((await admin('DELETE', '/api/jobs', [group.id])).status).toBe(200); // nothing left to run: no new launch
    const live = ((await admin('GET', '/api/cloud')).body as Cloud).instances.filter((i) => i.id && i.state !== 'terminated');
    expect(live.length).toBe(1);
    expect((await admin('POST', '/api/cloud/terminate', { ids: live.map((i) => i.id) })).status).toBe(200);
    const cloud = await waitFor(async () => {
      const c = (await admin('GET', '/api/cloud')).body as Cloud;
      return c.instances.every((i) => i.state === 'terminated') ? c : undefined;
    }, { what: 'the instance to be terminated', timeoutMs: 30_000, intervalMs: 250 });
    const m = await scrape();
    expect(value(m, 'coalition_cloud_instances', { type: 'local', market: 'on-demand' }) || 0).toBe(0);
    expect(value(m, 'coalition_cloud_spend_per_hour')).toBe(0);
    expect(cloud.spend.today).toBeGreaterThan(0);
    expect(value(m, 'coalition_cloud_spend_today')).toBeCloseTo(cloud.spend.today, 6);
  });

  it('shows a stopped worker as inactive', async () => {
    await call(farm.server.url, 'POST', '/workers/pickjob', { token: TEST_TOKENS.worker, body: { name: 'by-hand', wait: 0, affinity: 'nothing-has-this' } });
    await call(farm.server.url, 'POST', '/api/stopworkers', { token: TEST_TOKENS.admin, body: ['by-hand'] });
    expect(value(await scrape(), 'coalition_workers', { state: 'WAITING', active: 'false' })).toBe(1);
  });

  it('needs a credential that may read, and an artist may', async () => {
    expect((await call(farm.server.url, 'GET', '/metrics')).status).toBe(401);
    expect(value(await scrape(farm.tokens.alice), 'coalition_jobs', { state: 'PAUSED', kind: 'job' })).toBe(1);
  });
});
