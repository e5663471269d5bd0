import { StringDecoder } from 'node:string_decoder';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { validationError } from '../errors.ts';
import type { Farm } from '../farm/farm.ts';
import { idParam } from './ids.ts';

/**
 * `GET /api/jobs/:id/log`: the log as a JSON string (old API), or plain text with
 * `?format=text`; `?tail=BYTES` for its end, `?offset=BYTES` from a position, or a `Range:
 * bytes=…` header (206). Streamed from the file, so any size is served in constant memory.
 */
export async function sendLog(farm: Farm, req: Request, res: Response): Promise<void> {
  const id = idParam(req.params.id as string);
  farm.tree.require(id);
  const size = await farm.logs.size(id);
  const byteCount = (name: string) => {
    const raw = req.query[name];
    if (raw === undefined) return undefined;
    const n = typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
    if (Number.isNaN(n)) throw validationError(`${name} must be a byte count ≥ 0`);
    return n;
  };
  const tail = byteCount('tail');
  const offset = byteCount('offset');
  let start = Math.min(size, tail !== undefined ? Math.max(0, size - tail) : (offset ?? 0));
  let end = size;
  const range = req.headers.range;
  if (range !== undefined) {
    const parsed = parseRange(range, size);
    if (!parsed) {
      throw validationError(`Range "${range.slice(0, 60)}" is not a byte range of this log (${size} bytes), e.g. "bytes=0-1023" or "bytes=-1024"`);
    }
    [start, end] = parsed;
    res.status(206).setHeader('Content-Range', `bytes ${start}-${end - 1}/${size}`);
  }
  res.setHeader('X-Log-Size', String(size));
  res.setHeader('Accept-Ranges', 'bytes');
  const text = req.query.format === 'text';
  res.type(text ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8');
  if (text) res.setHeader('Content-Length', String(end - start));
  if (start >= end) {
    res.end(text ? '' : '""');
    return;
  }
  const file = farm.logs.stream(id, start, end);
  await (text ? pipeline(file, res) : pipeline(file, jsonString(start > 0), res));
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` (one range) → [start, end) within the size. */
function parseRange(header: string, size: number): [number, number] | undefined {
  const m = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') return [Math.max(0, size - Number(m[2])), size];
  const start = Number(m[1]);
  const end = m[2] === '' ? size : Math.min(size, Number(m[2]) + 1);
  return start < size && start < end ? [start, end] : undefined;
}

/**
 * Bytes of UTF-8 text in, one JSON string out (`"…"`), chunk by chunk. `midText`: the bytes may
 * start inside a character (a tail), whose leftover bytes are skipped.
 */
function jsonString(midText: boolean): Transform {
  const decoder = new StringDecoder('utf8');
  let first = true;
  const quoted = (s: string) => JSON.stringify(s).slice(1, -1);
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      let bytes = chunk;
      if (first && midText) {
        let skip = 0;
        while (skip < 3 && skip < bytes.length && (bytes[skip] & 0xc0) === 0x80) skip++;
        bytes = bytes.subarray(skip);
      }
      const open = first ? '"' : '';
      first = false;
      done(null, open + quoted(decoder.write(bytes)));
    },
    flush(done) {
      done(null, (first ? '"' : '') + quoted(decoder.end()) + '"');
    },
  });
}
