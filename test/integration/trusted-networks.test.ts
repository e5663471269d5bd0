/**
 * `trustednetworks`: requests without a token from those networks may submit and read jobs
 * (a studio LAN's old submitters); everything else still needs the token.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { resolveServerConfig } from '../../core/config.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let s: TestServer | undefined;
afterEach(async () => {
  await s?.stop();
  s = undefined;
});

const anonymous = (method: string, path: string, body?: unknown) =>
  fetch(s!.url + path, { method, headers: body === undefined ? {} : { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

describe('trustednetworks', () => {
  it('lets tokenless requests from a trusted network submit and read jobs, and nothing else', async () => {
    s = await startTestServer({ trustednetworks: '10.0.0.0/8, 127.0.0.0/8' });
    const put = await anonymous('PUT', '/api/jobs', { title: 'from the LAN', command: 'true' });
    expect(put.status).toBe(200);
    const id = Number(await put.text());
    expect((await anonymous('GET', `/api/jobs/${id}`)).status).toBe(200);
    expect((await anonymous('GET', '/api/jobs')).status).toBe(200);
    expect((await anonymous('GET', `/json/addjob?title=old&cmd=true`)).status).toBe(200);
    for (const [method, path, body] of [
      ['DELETE', '/api/jobs', [id]],
      ['POST', '/api/jobs', { [id]: { title: 'x' } }],
      ['POST', '/api/pausejobs', [id]],
      ['GET', '/api/workers', undefined],
      ['POST', '/api/workers', { w: { affinity: 'x' } }],
    ] as const) {
      expect((await anonymous(method, path, body)).status, `${method} ${path}`).toBe(401);
    }
    expect((await anonymous('POST', '/workers/pickjob', { name: 'w' })).status).toBe(401);
    expect((await s.call('GET', `/api/jobs/${id}`)).body).toMatchObject({ title: 'from the LAN' });
  });

  it('is empty by default: a tokenless request is refused', async () => {
    s = await startTestServer();
    expect((await anonymous('PUT', '/api/jobs', { title: 'x', command: 'true' })).status).toBe(401);
    expect((await anonymous('GET', '/api/jobs')).status).toBe(401);
  });

  it('does not trust a loopback caller when only another network is listed', async () => {
    s = await startTestServer({ trustednetworks: '192.168.0.0/16' });
    expect((await anonymous('GET', '/api/jobs')).status).toBe(401);
  });

  it('refuses a bad CIDR in the config, naming the key', () => {
    expect(() => resolveServerConfig([{ source: 'coalition.ini', values: { trustednetworks: '10.0.0.0/33' } }])).toThrow(/trustednetworks.*10\.0\.0\.0\/33/);
  });
});
