/** HTTPS with tls_cert/tls_key, security headers, CORS closed by default, and a reverse proxy's view. */
import { execFileSync } from 'node:child_process';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir, TEST_TOKENS } from '../helpers/processes.ts';
import { call, startTestFarm, type TestFarm } from '../helpers/access-fixtures.ts';

const certDir = tempDir('coalition-tls-');
const cert = join(certDir, 'cert.pem');
const key = join(certDir, 'key.pem');

/** One HTTPS request trusting only the test's own certificate. */
function httpsGet(url: string, headers: Record<string, string>, ca: Buffer): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((ok, fail) => {
    const req = request(url, { headers, ca }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

let tls: TestFarm;
let plain: TestFarm;

beforeAll(async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  tls = await startTestFarm({ tls_cert: cert, tls_key: key });
  plain = await startTestFarm({ trustproxy: 'loopback', corsorigins: 'https://pipeline.example.test' });
});
afterAll(async () => {
  await tls.stop();
  await plain.stop();
  removeDir(certDir);
});

describe('HTTPS', () => {
  it('serves the API over TLS with the given certificate, and Secure cookies', async () => {
    expect(tls.server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const { readFileSync } = await import('node:fs');
    const ca = readFileSync(cert);
    const jobs = await httpsGet(`${tls.server.url}/api/jobs`, { Authorization: `Bearer ${TEST_TOKENS.admin}` }, ca);
    expect(jobs.status).toBe(200);
    expect(jobs.headers['strict-transport-security']).toContain('max-age=');
    const login = await new Promise<{ status: number; cookie: string }>((ok, fail) => {
      const req = request(`${tls.server.url}/api/session`, { method: 'POST', ca, headers: { 'Content-Type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => ok({ status: res.statusCode ?? 0, cookie: String(res.headers['set-cookie']) }));
      });
      req.on('error', fail);
      req.end(JSON.stringify({ user: 'ada', password: 'ada-password-123' }));
    });
    expect(login.status).toBe(200);
    expect(login.cookie).toMatch(/; Secure$/);
    await expect(fetch(`${tls.server.url.replace('https', 'http')}/api/jobs`)).rejects.toThrow();
  });

  it('refuses to start with only one of tls_cert and tls_key, naming the missing one', async () => {
    await expect(startTestFarm({ tls_cert: cert })).rejects.toThrow(/tls_cert and tls_key \(got only tls_cert\)/);
  });
});

describe('headers and CORS', () => {
  it('sends a CSP without inline scripts or framing, nosniff and a referrer policy on the UI and the API', async () => {
    for (const path of ['/', '/api/jobs']) {
      const res = await call(plain.server.url, 'GET', path, { token: TEST_TOKENS.admin });
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toMatch(/script-src 'self'( 'sha256-[^']+')*;/);
      expect(csp).not.toContain("script-src 'self' 'unsafe-inline'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('gives no CORS grant to an unknown origin, and a token-only one to a configured origin', async () => {
    const evil = await call(plain.server.url, 'GET', '/api/jobs', { token: TEST_TOKENS.admin, headers: { Origin: 'https://evil.example.test' } });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await call(plain.server.url, 'OPTIONS', '/api/jobs', { headers: { Origin: 'https://evil.example.test', 'Access-Control-Request-Method': 'PUT' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const good = await call(plain.server.url, 'OPTIONS', '/api/jobs', { headers: { Origin: 'https://pipeline.example.test', 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'authorization,content-type' } });
    expect(good.status).toBe(204);
    expect(good.headers.get('access-control-allow-origin')).toBe('https://pipeline.example.test');
    expect(good.headers.get('access-control-allow-credentials')).toBeNull();
    const other = await startTestFarm();
    try {
      const closed = await call(other.server.url, 'GET', '/api/jobs', { token: TEST_TOKENS.admin, headers: { Origin: 'https://pipeline.example.test' } });
      expect(closed.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await other.stop();
    }
  });

  it('behind a trusted proxy, takes the client address and HTTPS from X-Forwarded-* (Secure cookie, per-address limits)', async () => {
    const res = await fetch(`${plain.server.url}/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.7' }, body: JSON.stringify({ user: 'ada', password: 'ada-password-123' }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/; Secure$/);
    expect(plain.server.audit.query({ action: 'login', user: 'ada' }).entries[0].address).toBe('203.0.113.7');
  });
});
