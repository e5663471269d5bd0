import { describe, expect, it } from 'vitest';
import { lowerBoundCost, simulate } from '../../core/simulator/simulator.ts';
import { parseTrace } from '../../core/simulator/trace.ts';
import type { Trace, TraceInstanceType } from '../../core/simulator/trace.ts';
import { EventQueue } from '../../core/simulator/event-queue.ts';
import { referenceTraces } from '../../core/simulator/reference-traces.ts';

const small: TraceInstanceType = { name: 'small', slots: 1, affinities: ['linux'], onDemandPerHour: 0.36, bootSeconds: 60 };

function trace(patch: Partial<Trace>): Trace {
  return parseTrace({ instanceTypes: [small], limits: { maxInstances: 5, maxPerHour: null }, jobs: [], seed: 7, ...patch });
}

describe('simulator', () => {
  it('bills at least 60 s per instance', () => {
    const t = trace({ jobs: [{ id: 1, submit: 0, duration: 5, affinity: 'linux' }], instanceTypes: [{ ...small, bootSeconds: 10 }] });
    const r = simulate(t, { policy: 'cost' });
    expect(r.launches).toBe(1);
    expect(r.unfinishedJobs).toBe(0);
    expect(r.instancesLeftRunning).toBe(0);
    // 10 s boot + 5 s of work, billed as 60 s at 0.36/h.
    expect(r.cost).toBeCloseTo(0.006, 6);
    expect(r.lowerBound).toBeCloseTo((5 * 0.36) / 3600, 8);
  });

  it('runs jobs on the instances already running when it starts (what an estimate starts from)', () => {
    const t = trace({ jobs: [{ id: 1, submit: 0, duration: 30, affinity: 'linux' }] });
    const r = simulate(t, { policy: 'cost', initialInstances: [{ instanceType: 'small', market: 'on-demand', readySeconds: 0 }], watchJobs: [1] });
    expect(r.unfinishedJobs).toBe(0);
    expect(r.launches).toBe(1); // the running one, no new launch
    expect(r.watchedFinish).toBe(30);
  });

  it('sends a job interrupted by spot reclamation back to waiting and finishes it', () => {
    const spotty: TraceInstanceType = { ...small, onDemandPerHour: null, spotPerHour: 0.1, spotInterruptionsPerHour: 6 };
    const jobs = Array.from({ length: 6 }, (_, i) => ({ id: i + 1, submit: 0, duration: 1800, affinity: 'linux' }));
    const r = simulate(trace({ instanceTypes: [spotty], jobs }), { policy: 'cost' });
    expect(r.interruptions).toBeGreaterThan(0);
    expect(r.unfinishedJobs).toBe(0);
    expect(r.instancesLeftRunning).toBe(0);
  });

  it('runs a dependency chain in order: a job waits for its dependencies, a dependency on a group waits for all its children', () => {
    const jobs = [
      { id: 1, submit: 0, duration: 600, affinity: 'linux' }, // sim
      { id: 2, submit: 0, duration: 0, dependencies: [1] }, // render group
      ...Array.from({ length: 4 }, (_, i) => ({ id: 3 + i, submit: 0, duration: 300, affinity: 'linux', parent: 2 })),
      { id: 7, submit: 0, duration: 120, affinity: 'linux', dependencies: [2] }, // comp
    ];
    const r = simulate(trace({ jobs }), { policy: 'cost' });
    expect(r.unfinishedJobs).toBe(0);
    // At least: a boot, the sim, one render wave, the comp.
    expect(r.makespan).toBeGreaterThanOrEqual(60 + 600 + 300 + 120);
    expect(r.lowerBound).toBeCloseTo(((600 + 4 * 300 + 120) * 0.36) / 3600, 8);
  });

  it('cost never launches for jobs no type can run; classic does (the old behaviour)', () => {
    const jobs = [{ id: 1, submit: 0, duration: 60, affinity: 'gpu' }];
    const cost = simulate(trace({ jobs }), { policy: 'cost', drainSeconds: 3600 });
    expect(cost.launches).toBe(0);
    expect(cost.unfinishedJobs).toBe(1);
    const classic = simulate(trace({ jobs }), { policy: 'classic', drainSeconds: 3600 });
    expect(classic.launchesForUnservable).toBeGreaterThan(0);
  });

  it('is deterministic for a seed', () => {
    const t = referenceTraces['sparse-day']();
    expect(simulate(t, { policy: 'cost' })).toEqual(simulate(t, { policy: 'cost' }));
  });

  it('uses the cheapest eligible price per slot-second for the lower bound', () => {
    const t = trace({
      instanceTypes: [small, { name: 'big', slots: 4, affinities: ['linux', 'gpu'], onDemandPerHour: 2, spotPerHour: 0.8, bootSeconds: 60 }],
      jobs: [{ id: 1, submit: 0, duration: 3600, affinity: 'linux' }, { id: 2, submit: 0, duration: 3600, affinity: 'gpu' }],
    });
    // linux: min(0.36, 0.8/4 = 0.2) = 0.2; gpu: only big, 0.2 per slot-hour.
    expect(lowerBoundCost(t)).toBeCloseTo(0.4, 8);
  });

  it('rejects a trace with a dependency on an unknown job, naming it', () => {
    expect(() => trace({ jobs: [{ id: 1, submit: 0, duration: 1, dependencies: [9] }] })).toThrow(/job 1 depends on unknown job 9/);
  });

  it('orders events by time, then by insertion', () => {
    const q = new EventQueue<string>();
    q.push(5, 'c');
    q.push(1, 'a');
    q.push(5, 'd');
    q.push(2, 'b');
    expect([q.pop(), q.pop(), q.pop(), q.pop()].map((e) => e?.event)).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('cost policy on reference workloads (figures a user would see in bench:scaler)', () => {
  for (const name of ['sparse-day', 'bursts-30s']) {
    it(`${name}: within 15 % of the lower bound, at most 60 % of classic's cost, nothing left running`, () => {
      const t = referenceTraces[name]();
      const classic = simulate(t, { policy: 'classic' });
      const cost = simulate(t, { policy: 'cost' });
      expect(cost.costRatio).toBeLessThanOrEqual(1.15);
      expect(cost.cost).toBeLessThanOrEqual(0.6 * classic.cost);
      expect(cost.makespan).toBeLessThanOrEqual(1.05 * classic.makespan);
      expect(cost.unfinishedJobs).toBe(0);
      expect(cost.instancesLeftRunning).toBe(0);
      expect(cost.launchesForUnservable).toBe(0);
    });
  }
});

describe('cost policy on a steady trickle (one short job every ~15 s for 3 h)', () => {
  it('pays at most 1.5 × the lower bound: one right-sized instance kept warm, not a 4-slot one', () => {
    const t = referenceTraces['trickle-15s']();
    const cost = simulate(t, { policy: 'cost' });
    expect(cost.costRatio).toBeLessThanOrEqual(1.5);
    expect(cost.unfinishedJobs).toBe(0);
    expect(cost.instancesLeftRunning).toBe(0);
    expect(cost.p95Wait).toBeLessThan(60);
  });
});
