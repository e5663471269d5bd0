/**
 * The event stream against a real server: deltas carry only what changed, bursts are
 * coalesced, a client that stops reading is skipped and told to resync, streams per token are
 * capped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAM_COALESCE_MS } from '../../core/limits.ts';
import { api, killAll, removeDir, startServerProcess, TEST_TOKENS, waitFor, type ServerProc } from '../helpers/processes.ts';
import { entriesOf, openStream } from '../helpers/sse-client.ts';

let server: ServerProc;

beforeAll(async () => {
  server = await startServerProcess({ env: { COALITION_STREAMSPERTOKEN: '3', COALITION_TIMEOUT: '3600' } });
});

afterAll(async () => {
  await killAll();
  removeDir(server.dataDir);
});

const worker = (path: string, body: unknown) => api<{ job: { id: number } | null }>(server.url, 'POST', path, body, TEST_TOKENS.worker);

describe('the event stream', () => {
  it('carries a new job whole, then only the fields that changed, with seq growing by one', async () => {
    const stream = await openStream(server.url);
    try {
      const id = (await api<number>(server.url, 'PUT', '/api/jobs', { title: 'delta job', command: 'echo delta', affinity: 'delta' })).body;
      await waitFor(() => entriesOf(stream.messages, id).length === 1, { what: 'the new job on the stream' });
      expect(entriesOf(stream.messages, id)[0]).toMatchObject({ id, title: 'delta job', command: 'echo delta', state: 'WAITING', priority: 1000 });

      expect((await worker('/workers/pickjob', { name: 'delta-w', affinity: 'delta', wait: 0 })).body.job?.id).toBe(id);
      await waitFor(() => entriesOf(stream.messages, id).length === 2, { what: 'the picked job on the stream' });
      const picked = entriesOf(stream.messages, id)[1];
      expect(picked).toMatchObject({ id, state: 'WORKING', worker: 'delta-w' });
      for (const unchanged of ['title', 'command', 'priority', 'affinity', 'dir', 'retry']) expect(picked).not.toHaveProperty(unchanged);

      await worker('/workers/endjob', { name: 'delta-w', job: id, exit_code: 0 });
      await waitFor(() => entriesOf(stream.messages, id).some((e) => e.state === 'FINISHED'), { what: 'the finished job on the stream' });
      expect(stream.messages.map((m) => m.data.seq)).toEqual(stream.messages.map((_, i) => i));
      const workers = stream.messages.filter((m) => m.event === 'workers').flatMap((m) => (m.data.changed as Array<Record<string, unknown>>).filter((w) => w.name === 'delta-w'));
      expect(workers[0]).toMatchObject({ name: 'delta-w', state: 'WORKING', ip: '127.0.0.1', affinity: 'delta' });
      expect(workers.length).toBeGreaterThan(1);
      for (const later of workers.slice(1)) expect(Object.keys(later)).not.toContain('affinity');

      await api(server.url, 'DELETE', '/api/jobs', [id]);
      await waitFor(() => stream.messages.some((m) => m.event === 'jobs' && (m.data.removed as number[]).includes(id)), { what: 'the removal on the stream' });
    } finally {
      stream.close();
    }
  });

  it('coalesces a burst of 1,000 job ends into a few messages', async () => {
    const stream = await openStream(server.url);
    try {
      const frames = Array.from({ length: 1000 }, (_, i) => ({ title: `burst ${i}`, command: 'true', affinity: 'burst' }));
      const top = (await api<number>(server.url, 'PUT', '/api/jobs', { title: 'burst', children: frames })).body;
      await waitFor(() => stream.messages.some((m) => m.event === 'resync' || entriesOf([m], top).length > 0), { what: 'the burst on the stream' });
      const before = stream.messages.length;
      const started = Date.now();
      let ended = 0;
      await Promise.all(
        Array.from({ length: 20 }, async (_, w) => {
          for (;;) {
            const { job } = (await worker('/workers/pickjob', { name: `burst-${w}`, affinity: 'burst', wait: 0 })).body;
            if (!job) return;
            await worker('/workers/endjob', { name: `burst-${w}`, job: job.id, exit_code: 0 });
            ended++;
          }
        }),
      );
      const elapsedMs = Date.now() - started;
      await waitFor(async () => entriesOf(stream.messages, top).some((e) => e.state === 'FINISHED'), { what: 'the burst to finish on the stream' });
      expect(ended).toBe(1000);
      const jobMessages = stream.messages.slice(before).filter((m) => m.event === 'jobs' || m.event === 'resync').length;
      // One message per coalescing window at most (plus the last one), whatever the machine's speed.
      expect(jobMessages).toBeLessThanOrEqual(Math.ceil(elapsedMs / STREAM_COALESCE_MS) + 2);
      expect(jobMessages).toBeLessThan(ended / 10);
    } finally {
      stream.close();
    }
  });

  it('skips a client that stops reading and tells it to resync once it reads again', async () => {
    const slow = await openStream(server.url);
    try {
      slow.pause();
      // Big commands (near the documented 100,000-character limit) fill the socket quickly.
      const command = `true ${'x'.repeat(99_000)}`;
      const ids: number[] = [];
      for (let i = 0; i < 100; i++) {
        const added = await api<number>(server.url, 'PUT', '/api/jobs', { title: `big ${i}`, command, state: 'PAUSED' });
        expect(added.status).toBe(200);
        ids.push(added.body);
      }
      slow.resume();
      // Messages sent while it was behind were skipped: it is told to refetch, then gets what comes next.
      await waitFor(() => slow.messages.find((m) => m.event === 'resync'), { what: 'a resync after the pause', timeoutMs: 30_000 });
      expect(slow.messages.find((m) => m.event === 'resync')?.data.reason).toMatch(/fell behind/);
      const marker = (await api<number>(server.url, 'PUT', '/api/jobs', { title: 'after the pause', command: 'true', state: 'PAUSED' })).body;
      await waitFor(() => entriesOf(slow.messages, marker).length > 0, { what: 'the stream to carry on after the resync' });
      expect(ids.filter((id) => entriesOf(slow.messages, id).length > 0).length).toBeLessThan(ids.length);
      expect(slow.messages.map((m) => m.data.seq)).toEqual(slow.messages.map((_, i) => i));
      await api(server.url, 'DELETE', '/api/jobs', [...ids, marker]);
    } finally {
      slow.close();
    }
  });

  it('caps the streams of one token, naming the limit', async () => {
    const open = [await openStream(server.url), await openStream(server.url), await openStream(server.url)];
    try {
      expect(open.map((s) => s.status)).toEqual([200, 200, 200]);
      const refused = await fetch(`${server.url}/api/stream`, { headers: { Authorization: `Bearer ${TEST_TOKENS.admin}` } });
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/the limit is 3.*streamspertoken/);
      open.pop()!.close();
      await waitFor(async () => {
        const again = await openStream(server.url);
        if (again.status === 200) open.push(again);
        else again.close();
        return again.status === 200;
      }, { what: 'a stream to be allowed again once one closed' });
    } finally {
      for (const s of open) s.close();
    }
  });
});
