import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogStore } from '../../core/logs/log-store.ts';

const dirs: string[] = [];
const tempData = () => {
  const dir = mkdtempSync(join(tmpdir(), 'coalition-logs-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const line = (i: number) => `line ${String(i).padStart(6, '0')} ${'é'.repeat(20)}\n`;

describe('job logs past their limit', () => {
  it('keep their start and their end, with a marker of how much was cut, across restarts', async () => {
    const data = tempData();
    const limit = 64 * 1024;
    let logs = new LogStore(data, { limitBytes: limit });
    let written = '';
    for (let i = 0; i < 6_000; i++) {
      const text = line(i);
      written += text;
      await logs.append(7, text);
      if (i === 3_000) logs = new LogStore(data, { limitBytes: limit }); // a server restart mid-job
    }
    const size = statSync(logs.pathOf(7)).size;
    expect(size).toBeLessThanOrEqual(limit + 200);
    const { text } = await logs.read(7);
    const marker = /\n\[coalition\] \.\.\. (\d+) bytes cut here \(logs keep their first and last part past 65536 bytes\) \.\.\.\n/.exec(text);
    expect(marker).not.toBeNull();
    const head = text.slice(0, marker!.index);
    const tail = text.slice(marker!.index + marker![0].length);
    expect(written.startsWith(head)).toBe(true);
    expect(written.endsWith(tail)).toBe(true);
    expect(head.endsWith('\n') && tail.startsWith('line ')).toBe(true); // cut on line breaks, no broken character
    expect(Buffer.byteLength(head) + Number(marker![1]) + Buffer.byteLength(tail)).toBe(Buffer.byteLength(written));
    expect(text.match(/bytes cut here/g)).toHaveLength(1);
  });

  it('a chunk larger than the limit still leaves a bounded log', async () => {
    const logs = new LogStore(tempData(), { limitBytes: 4096 });
    await logs.append(1, 'a'.repeat(100_000));
    expect(statSync(logs.pathOf(1)).size).toBeLessThan(4096);
    expect((await logs.read(1)).text).toMatch(/^a+\n\[coalition\] \.\.\. \d+ bytes cut here/);
  });

  it('reads a tail or an offset of any log, streamed', async () => {
    const logs = new LogStore(tempData());
    await logs.append(3, 'hello ');
    await logs.append(3, 'world');
    expect(await logs.read(3, { tail: 5 })).toEqual({ text: 'world', size: 11 });
    expect((await logs.read(3, { offset: 6 })).text).toBe('world');
    expect(await logs.read(4)).toEqual({ text: '', size: 0 });
  });
});
