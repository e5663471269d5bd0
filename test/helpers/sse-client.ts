/** A small Server-Sent Events reader for tests: collects `GET /api/stream` messages as they come. */
import http from 'node:http';
import { TEST_TOKENS } from './processes.ts';

export interface StreamMessage {
  event: string;
  data: Record<string, unknown> & { seq: number };
}

export interface StreamReader {
  status: number;
  messages: StreamMessage[];
  /** Bytes received so far. */
  bytes(): number;
  /** Stops reading (the server's queue for this client grows) or reads again. */
  pause(): void;
  resume(): void;
  /** Resolves when the server closes the stream. */
  closed: Promise<void>;
  close(): void;
}

export function openStream(base: string, token = TEST_TOKENS.admin): Promise<StreamReader> {
  const url = new URL('/api/stream', base);
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { Authorization: `Bearer ${token}` } }, (res) => {
      const messages: StreamMessage[] = [];
      let received = 0;
      let buffer = '';
      let resolveClosed: () => void = () => {};
      const closed = new Promise<void>((r) => (resolveClosed = r));
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        received += Buffer.byteLength(text);
        buffer += text;
        for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) messages.push({ event, data: JSON.parse(data) as StreamMessage['data'] });
        }
      });
      res.on('close', () => resolveClosed());
      res.on('error', () => resolveClosed());
      resolve({
        status: res.statusCode ?? 0,
        messages,
        bytes: () => received,
        pause: () => res.pause(),
        resume: () => res.resume(),
        closed,
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

/** The entries of `jobs` messages that name job `id`, in order. */
export function entriesOf(messages: StreamMessage[], id: number): Array<Record<string, unknown>> {
  return messages
    .filter((m) => m.event === 'jobs')
    .flatMap((m) => (m.data.changed as Array<Record<string, unknown>>).filter((entry) => entry.id === id));
}
