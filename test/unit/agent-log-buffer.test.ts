import { describe, expect, it } from 'vitest';
import { LogBuffer } from '../../core/agent/log-buffer.ts';

describe('log buffer', () => {
  it('hands out chunks and drops them only when committed', () => {
    const log = new LogBuffer();
    log.append('abcdef');
    expect(log.peek(4)).toBe('abcd');
    log.append('gh');
    // Not committed (the heartbeat failed): the same text comes again.
    expect(log.peek(4)).toBe('abcd');
    log.commit(4);
    expect(log.peek(100)).toBe('efgh');
    log.commit(4);
    expect(log.length).toBe(0);
  });

  it('never splits a surrogate pair', () => {
    const log = new LogBuffer();
    log.append('ab😀c');
    expect(log.peek(3)).toBe('ab');
    expect(log.peek(4)).toBe('ab😀');
  });

  it('keeps the beginning and the end of output it cannot hold, marking the gap', () => {
    const log = new LogBuffer(100);
    log.append('B'.repeat(60));
    log.append('E'.repeat(60));
    const text = log.peek(1000);
    expect(text.startsWith('B'.repeat(50))).toBe(true);
    expect(text.endsWith('E'.repeat(50))).toBe(true);
    expect(text).toContain('20 characters of output dropped');
  });
});
