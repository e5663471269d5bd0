import { afterEach, describe, expect, it, vi } from 'vitest';
import { setLongTimeout } from '../../core/agent/long-timeout.ts';
import { runJob } from '../../core/agent/run-job.ts';
import { createLogger } from '../../core/logger.ts';

const DAY = 86_400_000;

afterEach(() => {
  vi.useRealTimers();
});

describe('long job timeouts', () => {
  it('a job with a 30-day timeout runs to its end instead of being killed at once', async () => {
    const running = runJob(
      { id: 1, title: 't', command: 'sleep 0.3; echo done', dir: '', environment: '', user: '', timeout: 30 * 86400 },
      { logger: createLogger({ quiet: true }), workerName: 'w', graceMs: 100 },
    );
    const outcome = await running.finished;
    expect(outcome).toEqual({ exitCode: 0, timedOut: false, stopped: false });
    expect(running.log.peek(10_000)).toContain('done');
  });

  it('fires after its delay, even past what one node timer can hold', () => {
    vi.useFakeTimers();
    const fired = vi.fn();
    setLongTimeout(fired, 60 * DAY);
    vi.advanceTimersByTime(59 * DAY);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(DAY);
    expect(fired).toHaveBeenCalledOnce();
  });

  it('can be cleared', () => {
    vi.useFakeTimers();
    const fired = vi.fn();
    setLongTimeout(fired, 40 * DAY).clear();
    vi.advanceTimersByTime(41 * DAY);
    expect(fired).not.toHaveBeenCalled();
  });
});
