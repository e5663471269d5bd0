import { describe, expect, it } from 'vitest';
import { decide } from '../../core/scaler/policy.ts';
import type { OfferView } from '../../core/scaler/types.ts';
import { NOW, gpu, linux, record, s, settings, snapshot, workerOf } from './scaler-fixtures.ts';

const classic = settings({ policy: 'classic', workerinstancemax: 3, workerinstancestartdelay: 30, workerinstanceminimumlifetime: 900 });

describe('classic policy (the old Coalition cloud mode)', () => {
  it('starts one instance of the first type, spot when it has a spot price', () => {
    const d = decide(snapshot({ settings: classic, offers: [linux, gpu], demand: [{ affinities: ['linux'], count: 10 }] }));
    expect(d.launches).toEqual([expect.objectContaining({ instanceType: 'c6a.large', market: 'spot', count: 1 })]);
  });

  it('uses on-demand when the first type has no spot price', () => {
    const onDemandOnly: OfferView = { ...linux, prices: { 'on-demand': 0.08 } };
    const d = decide(snapshot({ settings: classic, offers: [onDemandOnly], demand: [{ affinities: ['linux'], count: 1 }] }));
    expect(d.launches[0].market).toBe('on-demand');
  });

  it('waits workerinstancestartdelay seconds between launches', () => {
    const last = record(10, { state: 'booting', becameWorkerAt: undefined });
    const demand = [{ affinities: ['linux'], count: 10 }];
    expect(decide(snapshot({ settings: classic, demand, instances: [last] })).launches).toEqual([]);
    expect(decide(snapshot({ settings: classic, demand, instances: [last], now: NOW + s(21) })).launches).toHaveLength(1);
  });

  it('launches only while there are more waiting jobs than workers, up to workerinstancemax', () => {
    const a = record(100);
    const b = record(100);
    expect(decide(snapshot({ settings: classic, demand: [{ affinities: ['linux'], count: 2 }], instances: [a, b], workers: [workerOf(a), workerOf(b)] })).launches).toEqual([]);
    const c = record(100);
    expect(decide(snapshot({ settings: classic, demand: [{ affinities: ['linux'], count: 9 }], instances: [a, b, c] })).launches).toEqual([]);
    expect(decide(snapshot({ settings: classic, demand: [{ affinities: ['linux'], count: 9 }], instances: [a, b] })).launches).toHaveLength(1);
  });

  it('launches even for jobs its type cannot run (the old behaviour)', () => {
    const d = decide(snapshot({ settings: classic, offers: [linux, gpu], demand: [{ affinities: ['gpu', 'linux'], count: 1 }] }));
    expect(d.launches[0].instanceType).toBe('c6a.large');
  });

  it('terminates idle instances only once no job waits and they have lived workerinstanceminimumlifetime', () => {
    const young = record(800);
    const old = record(901);
    const busyOld = record(5000);
    const workers = [workerOf(young), workerOf(old), workerOf(busyOld, { busy: true, idleSince: undefined })];
    const d = decide(snapshot({ settings: classic, instances: [young, old, busyOld], workers }));
    expect(d.terminations.map((t) => t.instanceId)).toEqual([old.instanceId]);
    // While a job waits, nothing is terminated.
    const waiting = decide(snapshot({ settings: classic, instances: [young, old, busyOld], workers, demand: [{ affinities: ['linux'], count: 1 }] }));
    expect(waiting.terminations).toEqual([]);
  });
});
