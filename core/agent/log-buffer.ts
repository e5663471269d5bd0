/**
 * A job's output waiting to be sent: the next chunk is read with `peek` and only dropped with
 * `commit` once the server took it, so a heartbeat that fails loses nothing. Bounded: a job
 * that prints faster than the server can take it (or while the server is down) loses the middle
 * of its unsent output, marked, never the worker's memory.
 */
export class LogBuffer {
  private text = '';

  constructor(private readonly maxBufferedChars = 16 * 1024 * 1024) {}

  get length(): number {
    return this.text.length;
  }

  append(chunk: string): void {
    if (!chunk) return;
    this.text += chunk;
    if (this.text.length > this.maxBufferedChars) {
      const keep = Math.floor(this.maxBufferedChars / 2);
      const dropped = this.text.length - 2 * keep;
      this.text = `${this.text.slice(0, keep)}\n[coalition] … ${dropped} characters of output dropped …\n${this.text.slice(-keep)}`;
    }
  }

  /** Up to `maxChars` of the oldest unsent text, never splitting a surrogate pair. */
  peek(maxChars: number): string {
    if (this.text.length <= maxChars) return this.text;
    let end = maxChars;
    const last = this.text.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end -= 1;
    return this.text.slice(0, end);
  }

  /** Drops the first `chars` characters (those a `peek` returned and the server accepted). */
  commit(chars: number): void {
    this.text = this.text.slice(chars);
  }
}
