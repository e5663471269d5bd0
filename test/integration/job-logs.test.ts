/** Job logs against a real server: bounded however much a job prints, and read in parts. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_LOG_LIMIT_BYTES } from '../../core/limits.ts';
import { api, killAll, removeDir, startServerProcess, TEST_TOKENS, type ServerProc } from '../helpers/processes.ts';

let server: ServerProc;

beforeAll(async () => {
  server = await startServerProcess({ env: { COALITION_TIMEOUT: '3600' } });
});

afterAll(async () => {
  await killAll();
  removeDir(server.dataDir);
});

const logUrl = (id: number, query = '') => `${server.url}/api/jobs/${id}/log${query}`;
const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers: { Authorization: `Bearer ${TEST_TOKENS.admin}`, ...headers } });

describe('a job that prints more than the log limit', () => {
  it('keeps its first and last output with a marker, and serves tails and ranges of it', async () => {
    const id = (await api<number>(server.url, 'PUT', '/api/jobs', { title: 'chatty', command: 'yes', affinity: 'chatty' })).body;
    const picked = await api<{ job: { id: number } }>(server.url, 'POST', '/workers/pickjob', { name: 'chatty-w', affinity: 'chatty', wait: 0 }, TEST_TOKENS.worker);
    expect(picked.body.job.id).toBe(id);
    const chunk = (i: number) => `chunk ${String(i).padStart(3, '0')} `.padEnd(999_999, 'y') + '\n';
    const chunks = 40; // 40 MB in all
    for (let i = 0; i < chunks; i++) {
      const beat = await api<{ keep_running: boolean }>(server.url, 'POST', '/workers/heartbeat', { name: 'chatty-w', job: id, log: chunk(i) }, TEST_TOKENS.worker);
      expect(beat.body.keep_running).toBe(true);
    }

    const head = await get(logUrl(id, '?format=text'), { Range: 'bytes=0-99' });
    expect(head.status).toBe(206);
    expect(await head.text()).toBe(chunk(0).slice(0, 100));
    const size = Number(head.headers.get('x-log-size'));
    expect(size).toBeLessThanOrEqual(JOB_LOG_LIMIT_BYTES + 1_000_000);

    const tail = await get(logUrl(id, '?format=text&tail=100'));
    expect(await tail.text()).toBe(chunk(chunks - 1).slice(-100));

    const whole = await get(logUrl(id));
    const text = (await whole.json()) as string;
    expect(Buffer.byteLength(text)).toBe(size);
    expect(text.startsWith(chunk(0))).toBe(true);
    expect(text.endsWith(chunk(chunks - 1))).toBe(true);
    const marker = /\n\[coalition\] \.\.\. (\d+) bytes cut here \([^)]*\) \.\.\.\n/.exec(text);
    expect(marker).not.toBeNull();
    const kept = Buffer.byteLength(text) - marker![0].length;
    expect(kept + Number(marker![1])).toBe(chunks * 1_000_000);
  });

  it('refuses a malformed range or tail by name', async () => {
    const id = (await api<number>(server.url, 'PUT', '/api/jobs', { title: 'quiet', command: 'true', state: 'PAUSED' })).body;
    expect((await get(logUrl(id, '?tail=-1'))).status).toBe(400);
    const bad = await get(logUrl(id, '?format=text'), { Range: 'bytes=abc' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/Range/);
    expect(await (await get(logUrl(id))).json()).toBe('');
  });
});
