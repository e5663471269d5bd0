/**
 * Where a too-long log is cut, and the marker left in its place. Cuts fall on a line break when
 * one is near, and never inside a UTF-8 character.
 */

/** How far a cut moves to fall on a line break: 4 KB, or an eighth of what is kept. */
const near = (kept: number) => Math.min(4096, Math.floor(kept / 8));
const MARKER = /^\n\[coalition\] \.\.\. (\d+) bytes cut here \(logs keep their first and last part past [^)]*\) \.\.\.\n/;

const isContinuation = (byte: number) => (byte & 0xc0) === 0x80;

/** The marker line for `cutBytes` bytes removed (starts and ends with a line break). */
export function cutMarker(cutBytes: number, limitBytes: number): string {
  return `\n[coalition] ... ${cutBytes} bytes cut here (logs keep their first and last part past ${limitBytes} bytes) ...\n`;
}

/** Room to read past a head of `keep` bytes to find a marker there. */
export const MARKER_ROOM = 600;

/**
 * The end of the head of a log whose head is about `keep` bytes (`buf` holds its first
 * `keep + MARKER_ROOM` bytes or all of it), and the marker of an earlier cut right after it.
 */
export function headOf(buf: Buffer, keep: number): { end: number; cut?: { cutBytes: number; markerBytes: number } } {
  const from = Math.max(0, keep - near(keep) - 1);
  const text = buf.toString('latin1', from); // the marker is ASCII: its characters are bytes
  const marker = new RegExp(MARKER.source.slice(1), 'g');
  for (let m = marker.exec(text); m; m = marker.exec(text)) {
    if (from + m.index > keep) break;
    return { end: from + m.index, cut: { cutBytes: Number(m[1]), markerBytes: m[0].length } };
  }
  return { end: lastCharEnd(buf, Math.min(keep, buf.length)) };
}

/** An end for a head of about `n` bytes of `buf`: after a nearby line break, else on a character boundary. */
function lastCharEnd(buf: Buffer, n: number): number {
  const newline = buf.lastIndexOf(0x0a, n - 1);
  if (newline >= 0 && n - newline <= near(n)) return newline + 1;
  let end = n;
  while (end > 0 && end < buf.length && isContinuation(buf[end])) end--;
  return end;
}

/** A start for a tail from about `n` in `buf`: after a nearby line break, else on a character boundary. */
export function firstCharStart(buf: Buffer, n: number): number {
  const newline = buf.indexOf(0x0a, n);
  if (newline >= 0 && newline - n < near(buf.length - n)) return newline + 1;
  let start = n;
  while (start < buf.length && isContinuation(buf[start])) start++;
  return start;
}
