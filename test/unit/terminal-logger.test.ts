import { describe, expect, it } from 'vitest';
import { formatLogLine, readableLines, terminalLogger } from '../../headless/terminal-logger.ts';

describe('terminal logger (the CLI\'s plugin logger)', () => {
  it("keeps a teardown warning's details: what could not be deleted and why", () => {
    const lines: string[] = [];
    terminalLogger((l) => lines.push(l)).warn({ kind: 'vpc', id: 'vpc-0abc', err: 'DependencyViolation: the vpc has dependencies' }, 'teardown could not delete a resource');
    expect(lines).toEqual(['warning: teardown could not delete a resource (kind=vpc id=vpc-0abc err=DependencyViolation: the vpc has dependencies)']);
  });

  it('prints a bare message, a bare object, and errors', () => {
    expect(formatLogLine('spot prices unavailable')).toBe('spot prices unavailable');
    expect(formatLogLine({ instanceType: 'm5.large', n: 2 })).toBe('instanceType=m5.large n=2');
    expect(formatLogLine({ err: new Error('boom') }, 'failed')).toBe('failed (err=boom)');
    const lines: string[] = [];
    const log = terminalLogger((l) => lines.push(l));
    log.info('quiet');
    log.error({ code: 'auth' }, 'launches paused');
    expect(lines).toEqual(['error: launches paused (code=auth)']);
  });
});

describe('readable server log lines (npm start at a terminal)', () => {
  it('turns a JSON log entry into one line with time, level, part, message and fields', () => {
    const lines: string[] = [];
    const time = new Date(2026, 11, 2, 18, 2, 11).getTime();
    readableLines((l) => lines.push(l)).write(JSON.stringify({ level: 40, time, part: 'plugin', plugin: 'aws', missing: ['imageId'], msg: 'AWS settings incomplete' }) + '\n');
    expect(lines).toEqual(['18:02:11 warning plugin: AWS settings incomplete (plugin=aws missing=["imageId"])']);
  });

  it('passes a line that is not JSON through as it is', () => {
    const lines: string[] = [];
    readableLines((l) => lines.push(l)).write('not json\n');
    expect(lines).toEqual(['not json']);
  });
});
