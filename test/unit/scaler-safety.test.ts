import { describe, expect, it } from 'vitest';
import { decide } from '../../core/scaler/policy.ts';
import { NOW, linux, record, s, snapshot, workerOf } from './scaler-fixtures.ts';

describe('safety rules every policy obeys', () => {
  it('terminates a stopped instance of its own: it serves no one and its disks still cost', () => {
    const r = record(600);
    for (const policy of ['cost', 'classic'] as const) {
      const d = decide(snapshot({
        instances: [r], workers: [workerOf(r)],
        listed: [{ id: r.instanceId!, state: 'stopped', instanceType: r.instanceType, workerName: r.workerName, launchedAt: r.launchedAt }],
        settings: { ...snapshot().settings, policy },
      }));
      expect(d.terminations).toEqual([expect.objectContaining({ instanceId: r.instanceId, reason: expect.stringMatching(/is stopped/) })]);
    }
  });

  it('terminates a stopped tagged instance it has no record of, as an orphan', () => {
    const d = decide(snapshot({ listed: [{ id: 'i-stopped', state: 'stopped', instanceType: 'c6a.large', workerName: 'cloud-x', launchedAt: NOW - s(3600) }] }));
    expect(d.terminations).toEqual([expect.objectContaining({ instanceId: 'i-stopped', orphan: true, reason: expect.stringMatching(/no record \(stopped\)/) })]);
  });

  it('marks an instance that never became a worker within the boot deadline as a boot miss', () => {
    const booting = record(1000, { state: 'booting', becameWorkerAt: undefined });
    const d = decide(snapshot({ instances: [booting] }));
    expect(d.terminations).toEqual([expect.objectContaining({ instanceId: booting.instanceId, bootMiss: true })]);
  });
});

describe('an instance whose worker went quiet (a server restart, a hung machine)', () => {
  it('counts as supply coming back within a boot, so a restart launches nothing new', () => {
    const quiet = record(600, { workerLostAt: NOW - s(5) });
    const d = decide(snapshot({ instances: [quiet], workers: [], demand: [{ affinities: ['linux'], count: 1, expectedSeconds: 600 }] }));
    expect(d.launches).toEqual([]);
    expect(d.terminations).toEqual([]);
  });

  it('is terminated when its worker has not called in for the boot deadline', () => {
    const gone = record(3600, { workerLostAt: NOW - s(1000) });
    const d = decide(snapshot({ instances: [gone], workers: [], demand: [{ affinities: ['linux'], count: 1, expectedSeconds: 600 }] }));
    expect(d.terminations).toEqual([expect.objectContaining({ instanceId: gone.instanceId, reason: expect.stringMatching(/has not called in for 900s/) })]);
    expect(d.launches).toHaveLength(1);
  });
});

describe('reasons when nothing can be bought', () => {
  it('names the missing price and the setting that fixes it, not "no instance type can serve"', () => {
    const unpriced = { ...linux, name: 'm5.large', affinities: [], prices: {}, unpriced: { 'on-demand': 'no price for m5.large on-demand (price list unreachable: connect ETIMEDOUT); set ondemandprice.m5.large' } };
    const d = decide(snapshot({ offers: [unpriced], demand: [{ affinities: [], count: 3, expectedSeconds: 600 }], settings: { ...snapshot().settings, allowSpot: false } }));
    expect(d.launches).toEqual([]);
    expect(d.reasons).toEqual(['no price for m5.large on-demand (price list unreachable: connect ETIMEDOUT); set ondemandprice.m5.large — not launching for 3 job(s)']);
  });
});
