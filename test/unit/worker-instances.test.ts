import { describe, expect, it } from 'vitest';
import { NameClashError, WorkerInstances } from '../../core/farm/worker-instances.ts';

const SILENCE = 10_000;
const clash = (fn: () => void): NameClashError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof NameClashError) return error;
    throw error;
  }
  throw new Error('no clash');
};

describe('who holds a worker name', () => {
  it('refuses a second process while the first calls in, saying when it may count as gone', () => {
    const names = new WorkerInstances(SILENCE);
    names.claim('render-01', 'a', '10.0.0.5', 0);
    names.claim('render-01', 'a', '10.0.0.5', 3_000);
    const refused = clash(() => names.claim('render-01', 'b', '10.0.0.6', 4_000));
    expect(refused.code).toBe('conflict');
    expect(refused.message).toBe('worker name "render-01" is in use by another running worker at 10.0.0.5 (last call 1 s ago): give this worker another name (--name)');
    expect(refused.retryAfterSeconds).toBe(9);
  });

  it('refuses without a retry time while the holder waits in a long-poll', () => {
    const names = new WorkerInstances(SILENCE);
    names.claim('w', 'a', '', 0);
    names.pollStarted('w', 'a');
    const refused = clash(() => names.claim('w', 'b', '', 60_000));
    expect(refused.retryAfterSeconds).toBeUndefined();
    expect(refused.message).toContain('waiting for a job now');
  });

  it('hands the name to a new process once the holder has been silent past the worker timeout', () => {
    const names = new WorkerInstances(SILENCE);
    names.claim('w', 'a', '', 0);
    names.claim('w', 'b', '', SILENCE + 1);
    // The old holder coming back is now the clash.
    expect(clash(() => names.claim('w', 'a', '', SILENCE + 2)).message).toContain('in use');
  });

  it('hands the name over at once when the holder dropped its long-poll (a killed idle worker)', () => {
    const names = new WorkerInstances(SILENCE);
    names.claim('w', 'a', '', 0);
    names.pollStarted('w', 'a');
    names.pollEnded('w', 'a', 1_000, true);
    expect(() => names.claim('w', 'b', '', 1_500)).not.toThrow();
  });

  it('a poll answered normally keeps the holder alive', () => {
    const names = new WorkerInstances(SILENCE);
    names.claim('w', 'a', '', 0);
    names.pollStarted('w', 'a');
    names.pollEnded('w', 'a', 20_000, false);
    expect(clash(() => names.claim('w', 'b', '', 21_000)).retryAfterSeconds).toBe(9);
  });
});
