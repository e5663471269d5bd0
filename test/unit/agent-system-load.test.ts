import type os from 'node:os';
import { describe, expect, it } from 'vitest';
import { busyPercent, SystemLoad } from '../../core/agent/system-load.ts';

const times = (busy: number, idle: number): os.CpuInfo['times'] => ({ user: busy, nice: 0, sys: 0, idle, irq: 0 });
const cpus = (...perCore: Array<[number, number]>): os.CpuInfo[] => perCore.map(([busy, idle]) => ({ model: 'test', speed: 1, times: times(busy, idle) }));

describe('system load', () => {
  it('computes per-core busy % from the difference of two readings', () => {
    const readings = [cpus([100, 900], [0, 1000]), cpus([600, 1400], [0, 2000])];
    const load = new SystemLoad(() => readings.shift() ?? []);
    expect(load.sample()).toEqual([50, 0]);
    const current = load.current();
    expect(current.cpu).toEqual([50, 0]);
    expect(current.total_memory).toBeGreaterThan(0);
    expect(current.free_memory).toBeGreaterThan(0);
    expect(current.free_memory).toBeLessThanOrEqual(current.total_memory);
  });

  it('reads 0 when no time passed and clamps to 0..100', () => {
    expect(busyPercent(times(5, 5), times(5, 5))).toBe(0);
    expect(busyPercent(times(0, 0), times(10, 0))).toBe(100);
  });
});
