/**
 * Notifications end to end: a real SMTP sink (smtp-server) takes the e-mails, a local HTTP
 * receiver checks each webhook's HMAC signature; jobs end through the real worker protocol.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TOKENS, waitFor } from '../helpers/processes.ts';
import { call, startTestFarm, type TestFarm } from '../helpers/access-fixtures.ts';

interface Mail {
  from: string;
  to: string[];
  data: string;
  user?: string;
}
const mails: Mail[] = [];
const hooks: Array<{ event: string; body: Record<string, unknown>; valid: boolean }> = [];
let failNext = 0;
let smtp: SMTPServer;
let receiver: Server;
let farm: TestFarm;
const SECRET = 'webhook-secret-for-tests';

const listen = (s: { listen: (port: number, host: string, cb: () => void) => unknown }) => new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: false,
    disabledCommands: ['STARTTLS'],
    onAuth(auth, _session, done) {
      done(auth.username === 'mailer' && auth.password === 'mail-pw' ? null : new Error('bad login'), { user: auth.username });
    },
    onData(stream, session, done) {
      let data = '';
      stream.on('data', (d: Buffer) => (data += d));
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), data, user: String(session.user) });
        done();
      });
    },
  });
  await listen(smtp.server as never);
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d));
    req.on('end', () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(503).end();
        return;
      }
      const expected = `sha256=${createHmac('sha256', SECRET).update(`${req.headers['x-coalition-timestamp']}.${body}`).digest('hex')}`;
      const got = String(req.headers['x-coalition-signature'] ?? '');
      const valid = got.length === expected.length && timingSafeEqual(Buffer.from(got), Buffer.from(expected));
      hooks.push({ event: String(req.headers['x-coalition-event']), body: JSON.parse(body), valid });
      res.writeHead(valid ? 204 : 401).end();
    });
  });
  await listen(receiver);
  farm = await startTestFarm({
    smtphost: '127.0.0.1',
    smtpport: (smtp.server.address() as AddressInfo).port,
    smtptls: false,
    smtpsender: 'farm@example.test',
    smtplogin: 'mailer',
    smtppasswd: 'mail-pw',
    notifyafter: 2,
    webhookurl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
    webhooksecret: SECRET,
    webhookevents: 'job.finished,job.failed,job.progress,budget.alert',
    webhookBackoffMs: 20,
  });
});

afterAll(async () => {
  await farm?.stop();
  await new Promise<void>((ok) => smtp.close(() => ok()));
  await new Promise<void>((ok) => receiver.close(() => ok()));
});

const proto = (route: string, body: unknown) => call(farm.server.url, 'POST', `/workers/${route}`, { token: TEST_TOKENS.worker, body });
/** A worker runs every waiting job of the farm and ends each with the exit code `exit(title)` says. */
async function runAll(worker: string, exit: (title: string) => number) {
  for (;;) {
    const job = ((await proto('pickjob', { name: worker, wait: 0 })).body as { job: { id: number; title: string } | null }).job;
    if (!job) return;
    await proto('endjob', { name: worker, job: job.id, exit_code: exit(job.title) });
  }
}
const subject = (m: Mail) => /^Subject: (.*)$/m.exec(m.data)?.[1];

describe('notifications', () => {
  it("e-mails a tree's owner when it has finished notifyafter jobs and when it finishes, with signed webhooks", async () => {
    await call(farm.server.url, 'POST', '/api/users/me', { token: farm.tokens.alice, body: { notify: { progress: true } } });
    const id = (await call(farm.server.url, 'PUT', '/api/jobs', { token: farm.tokens.alice, body: { title: 'shot 010', children: [1, 2, 3].map((n) => ({ title: `frame ${n}`, command: 'true' })) } })).body as number;
    await runAll('w1', () => 0);
    await waitFor(() => mails.filter((m) => m.to.includes('alice@example.test')).length >= 2, { what: 'two e-mails for alice' });
    const subjects = mails.filter((m) => m.to.includes('alice@example.test')).map(subject);
    expect(subjects).toEqual([`The job shot 010 (${id}) has finished 2 jobs.`, `The job shot 010 (${id}) is FINISHED.`]);
    expect(mails[0]).toMatchObject({ from: 'farm@example.test', user: 'mailer' });
    await waitFor(() => hooks.filter((h) => h.event === 'job.finished').length >= 1, { what: 'the finished webhook' });
    const finished = hooks.find((h) => h.event === 'job.finished')!;
    expect(finished.valid).toBe(true);
    expect(finished.body).toMatchObject({ type: 'job.finished', farm: farm.server.farmId, job: { id, title: 'shot 010', user: 'alice', finished: 3, total: 3, errors: 0 } });
  });

  it('mails a failure to the owner who chose it, not to the one who did not; an e-mail address as user still gets mail', async () => {
    await call(farm.server.url, 'POST', '/api/users/me', { token: farm.tokens.bob, body: { notify: { failed: false } } });
    const before = mails.length;
    await call(farm.server.url, 'PUT', '/api/jobs', { token: farm.tokens.bob, body: { title: 'bob breaks', command: 'false', retry: 0 } });
    const old = (await call(farm.server.url, 'GET', '/json/addjob?title=old%20script&cmd=false&retry=0&user=carol@example.test', { token: TEST_TOKENS.admin })).body as number;
    await runAll('w2', () => 1);
    await waitFor(() => mails.slice(before).some((m) => m.to.includes('carol@example.test')), { what: "carol's mail" });
    await waitFor(() => hooks.filter((h) => h.event === 'job.failed').length >= 2, { what: 'two failure webhooks' });
    expect(mails.slice(before).map((m) => [m.to[0], subject(m)])).toEqual([['carol@example.test', `ERRORS in job old script (${old}).`]]);
  });

  it('retries a webhook with back-off until the receiver takes it; budget alerts go to webhooks and admins', async () => {
    failNext = 2;
    const hooksBefore = hooks.length;
    farm.server.farm.ops.budgetAlert({ period: 'day', limit: 50, spent: 40, threshold: 0.8, action: 'keep launching', message: 'spend today reached 80% of the daily budget' });
    await waitFor(() => hooks.length > hooksBefore, { what: 'the budget webhook after two 503s' });
    expect(hooks[hooks.length - 1]).toMatchObject({ event: 'budget.alert', valid: true, body: { alert: { period: 'day', limit: 50, spent: 40 } } });
    expect(failNext).toBe(0);
    await waitFor(() => mails.some((m) => m.to.includes('ada@example.test') && subject(m)?.includes('budget alert')), { what: 'the admin budget mail' });
    const metrics = await call(farm.server.url, 'GET', '/metrics', { token: TEST_TOKENS.admin });
    expect(String(metrics.body)).toMatch(/coalition_notifications_total\{channel="webhook",result="ok"\} [1-9]/);
  });
});
