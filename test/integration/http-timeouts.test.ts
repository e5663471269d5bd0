/**
 * Slow or refused connections against a real server with short timeouts: a trickled body or
 * header is cut, a refused caller loses its connection, and the worker long-poll (which holds
 * the response, not the request) still waits its full time.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, killAll, removeDir, startServerProcess, TEST_TOKENS, type ServerProc } from '../helpers/processes.ts';

let server: ServerProc;

beforeAll(async () => {
  server = await startServerProcess({
    env: { COALITION_HEADERSTIMEOUT: '1', COALITION_REQUESTTIMEOUT: '2', COALITION_IDLETIMEOUT: '1', COALITION_MAXWAIT: '4000' },
  });
});

afterAll(async () => {
  await killAll();
  removeDir(server.dataDir);
});

interface RawConnection {
  socket: net.Socket;
  received(): string;
  /** Resolves when the server closes the connection. */
  closed: Promise<void>;
  stop(): void;
}

/** Opens a TCP connection, sends `head`, then one byte of `trickle` every `everyMs`. */
function rawConnection(head: string, trickle = '', everyMs = 200): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1', () => {
      socket.write(head);
      let i = 0;
      const timer = setInterval(() => {
        if (i < trickle.length && !socket.destroyed) socket.write(trickle[i++]);
      }, everyMs);
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      const closed = new Promise<void>((ok) => socket.on('close', () => ok()));
      void closed.then(() => clearInterval(timer));
      socket.on('error', () => {});
      resolve({ socket, received: () => text, closed, stop: () => (clearInterval(timer), socket.destroy()) });
    });
    socket.once('error', reject);
  });
}

/** Whether `promise` settles within `ms` (a generous bound: the server's timeouts are 1–2 s). */
const within = (promise: Promise<unknown>, ms: number) => Promise.race([promise.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('HTTP timeouts', () => {
  it('cuts a request whose body trickles in for longer than the request timeout', async () => {
    const body = JSON.stringify({ title: 'slow', command: 'true' }).padEnd(1000, ' ');
    const conn = await rawConnection(
      `PUT /api/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_TOKENS.admin}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      body,
    );
    try {
      expect(await within(conn.closed, 15_000)).toBe(true);
      expect((await api<unknown[]>(server.url, 'GET', '/api/jobs')).body.map((j) => (j as { title: string }).title)).not.toContain('slow');
    } finally {
      conn.stop();
    }
  });

  it('cuts a connection whose headers trickle in for longer than the headers timeout', async () => {
    const conn = await rawConnection('GET /api/jobs HTTP/1.1\r\n', `Host: x\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`);
    try {
      expect(await within(conn.closed, 15_000)).toBe(true);
    } finally {
      conn.stop();
    }
  });

  it('keeps a worker long-poll open for its whole wait, longer than the request timeout', async () => {
    const started = Date.now();
    const res = await api<{ job: unknown }>(server.url, 'POST', '/workers/pickjob', { name: 'long-poller', wait: 4000 }, TEST_TOKENS.worker);
    expect(res.status).toBe(200);
    expect(res.body.job).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_900);
  });
});

describe('a refused request loses its connection', () => {
  it('without a token: 401, then the server closes the connection, unsent body or not', async () => {
    const conn = await rawConnection(`PUT /api/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"title":`);
    try {
      expect(await within(conn.closed, 5_000)).toBe(true);
      expect(conn.received()).toMatch(/^HTTP\/1.1 401/);
      expect(conn.received().toLowerCase()).toContain('connection: close');
    } finally {
      conn.stop();
    }
  });

  it('a worker call with a wrong token: 401 and closed', async () => {
    const conn = await rawConnection(`POST /workers/pickjob HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong-token\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":`);
    try {
      expect(await within(conn.closed, 5_000)).toBe(true);
      expect(conn.received()).toMatch(/^HTTP\/1.1 401/);
    } finally {
      conn.stop();
    }
  });
});
