import { describe, expect, it } from 'vitest';
import { decide } from '../../core/scaler/policy.ts';
import { NOW, gpu, linux, linux4, record, s, settings, snapshot, workerOf } from './scaler-fixtures.ts';

const launched = (d: ReturnType<typeof decide>) => d.launches.reduce((sum, l) => sum + l.count, 0);

describe('cost policy: launching', () => {
  it('never launches for jobs no instance type can run, and says why', () => {
    const d = decide(snapshot({ demand: [{ affinities: ['gpu', 'win'], count: 3, expectedSeconds: 600 }], offers: [linux, gpu] }));
    expect(d.launches).toEqual([]);
    expect(d.reasons).toContain('no instance type can serve affinity gpu,win — not launching for 3 job(s)');
  });

  it('launches for the groups it can serve and only those', () => {
    const d = decide(snapshot({
      demand: [{ affinities: ['gpu', 'linux'], count: 2, expectedSeconds: 3600 }, { affinities: ['win'], count: 5, expectedSeconds: 600 }],
      offers: [linux, gpu],
    }));
    expect(d.launches).toHaveLength(1);
    expect(d.launches[0]).toMatchObject({ instanceType: 'g4dn.xlarge', market: 'spot', count: 2 });
  });

  it('picks the type and market with the lowest cost per useful slot-second', () => {
    // 40 jobs of 10 min: the 4-slot type at 0.1/h (0.025 per slot) beats 1-slot at 0.03.
    const d = decide(snapshot({ demand: [{ affinities: ['linux'], count: 40, expectedSeconds: 600 }], offers: [linux, linux4] }));
    expect(d.launches[0]).toMatchObject({ instanceType: 'c6a.2xlarge', market: 'spot' });
    expect(d.launches[0].reason).toMatch(/cheapest per useful slot-second/);
  });

  it('buys on-demand when spot is not allowed', () => {
    const d = decide(snapshot({ demand: [{ affinities: ['linux'], count: 2, expectedSeconds: 3600 }], settings: settings({ allowSpot: false }) }));
    expect(d.launches[0].market).toBe('on-demand');
  });

  it('falls back to on-demand while the spot pool is backed off after a capacity error', () => {
    const d = decide(snapshot({
      demand: [{ affinities: ['linux'], count: 2, expectedSeconds: 3600 }],
      backoffs: [{ instanceType: 'c6a.large', market: 'spot', until: NOW + s(300) }],
    }));
    expect(d.launches[0]).toMatchObject({ instanceType: 'c6a.large', market: 'on-demand' });
    const later = decide(snapshot({
      now: NOW + s(301),
      demand: [{ affinities: ['linux'], count: 2, expectedSeconds: 3600 }],
      backoffs: [{ instanceType: 'c6a.large', market: 'spot', until: NOW + s(300) }],
    }));
    expect(later.launches[0].market).toBe('spot');
  });

  it('respects the budget per hour', () => {
    const d = decide(snapshot({ demand: [{ affinities: ['linux'], count: 50, expectedSeconds: 3600 }], settings: settings({ budgetPerHour: 0.1 }) }));
    expect(launched(d)).toBe(3); // 3 × 0.03 ≤ 0.1
    expect(d.launches[0].reason).toMatch(/budget/);
    const spent = decide(snapshot({
      demand: [{ affinities: ['linux'], count: 50, expectedSeconds: 3600 }],
      settings: settings({ budgetPerHour: 0.1 }),
      instances: [record(10, { state: 'booting', becameWorkerAt: undefined }), record(10, { state: 'booting', becameWorkerAt: undefined }), record(10, { state: 'booting', becameWorkerAt: undefined })],
    }));
    expect(launched(spent)).toBe(0);
    expect(spent.reasons.join('\n')).toMatch(/budget 0.1\/h/);
  });

  it('respects the launch rate per minute', () => {
    const recent = [record(20, { state: 'booting', becameWorkerAt: undefined }), record(40, { state: 'booting', becameWorkerAt: undefined })];
    const d = decide(snapshot({ demand: [{ affinities: ['linux'], count: 50, expectedSeconds: 3600 }], settings: settings({ maxLaunchesPerMinute: 3 }), instances: recent }));
    expect(launched(d)).toBe(1);
  });

  it('respects the maximum number of instances', () => {
    const d = decide(snapshot({ demand: [{ affinities: ['linux'], count: 50, expectedSeconds: 3600 }], settings: settings({ maxInstances: 4 }), instances: [record(3000)] }));
    expect(launched(d)).toBe(3);
  });

  it('counts idle workers and booting instances as supply', () => {
    const idle = record(600);
    const booting = record(30, { state: 'booting', becameWorkerAt: undefined });
    const d = decide(snapshot({ demand: [{ affinities: ['linux'], count: 2, expectedSeconds: 300 }], instances: [idle, booting], workers: [workerOf(idle)] }));
    expect(d.launches).toEqual([]);
  });

  it('does not launch when busy workers will free up soon enough for short work', () => {
    const busy = record(600);
    const d = decide(snapshot({
      demand: [{ affinities: ['linux'], count: 1, expectedSeconds: 60 }],
      instances: [busy],
      workers: [workerOf(busy, { busy: true, idleSince: undefined, jobStartedAt: NOW - s(50), expectedEndAt: NOW + s(10) })],
    }));
    expect(d.launches).toEqual([]);
  });

  it('does not make a job wait for a busy slot that frees up long after a fresh boot', () => {
    const busy = record(600);
    const worker = (endsIn: number) => workerOf(busy, { busy: true, idleSince: undefined, jobStartedAt: NOW - s(60), expectedEndAt: NOW + s(endsIn) });
    const demand = [{ affinities: ['linux'], count: 1, expectedSeconds: 400 }];
    expect(launched(decide(snapshot({ demand, instances: [busy], workers: [worker(1000)] })))).toBe(1);
    expect(launched(decide(snapshot({ demand, instances: [busy], workers: [worker(100)] })))).toBe(0);
  });

  it('leaves room under the instance cap for other groups by buying bigger instances', () => {
    const big = { ...linux4, name: 'c6a.4xlarge', prices: { spot: 0.13 } }; // 0.0325 per slot, 8 % more than c6a.large
    const demand = [{ affinities: ['linux'], count: 100, expectedSeconds: 3600 }];
    const base = { demand, offers: [linux, big], settings: settings({ maxInstances: 10 }) };
    expect(decide(snapshot(base)).launches[0].instanceType).toBe('c6a.large');
    const gpuSeen = [{ affinities: ['gpu', 'linux'], times: [NOW - s(3000), NOW - s(2000)] }];
    expect(decide(snapshot({ ...base, arrivals: gpuSeen })).launches[0]).toMatchObject({ instanceType: 'c6a.4xlarge' });
  });

  it('probes with a few slots while job durations are unknown', () => {
    const d = decide(snapshot({ demand: [{ affinities: ['linux'], count: 500 }], settings: settings({ probeSlots: 4 }) }));
    expect(launched(d)).toBe(4);
    expect(d.launches[0].reason).toMatch(/durations unknown/);
  });
});

describe('cost policy: terminating', () => {
  it('never terminates an instance whose worker is running a job', () => {
    const busy = record(7200);
    const d = decide(snapshot({ instances: [busy], workers: [workerOf(busy, { busy: true, idleSince: undefined, jobStartedAt: NOW - s(7000) })] }));
    expect(d.terminations).toEqual([]);
  });

  it('terminates an idle instance when no job is likely to come before a fresh boot would be ready', () => {
    const idle = record(600);
    const d = decide(snapshot({ instances: [idle], workers: [workerOf(idle, { idleSince: NOW - s(5) })] }));
    expect(d.terminations).toHaveLength(1);
    expect(d.terminations[0]).toMatchObject({ instanceId: idle.instanceId });
    expect(d.terminations[0].reason).toMatch(/idle/);
  });

  it('keeps an idle instance while jobs keep arriving faster than a boot', () => {
    const idle = record(600);
    const times = [40, 30, 20, 10].map((ago) => NOW - s(ago));
    const d = decide(snapshot({ instances: [idle], workers: [workerOf(idle)], arrivals: [{ affinities: ['linux'], times }] }));
    expect(d.terminations).toEqual([]);
    // The same arrivals seen much later: the stream stopped, the instance goes.
    const later = decide(snapshot({ now: NOW + s(600), instances: [idle], workers: [workerOf(idle)], arrivals: [{ affinities: ['linux'], times }] }));
    expect(later.terminations).toHaveLength(1);
  });

  describe('on a steady trickle (one ~10 s job every 15 s)', () => {
    const trickle = (count: number, meanSeconds = 10) => [{ affinities: ['linux'], times: Array.from({ length: count }, (_, i) => NOW - s(15 * (count - 1 - i) + 3)), meanSeconds }];
    const big = () => record(600, { instanceType: linux4.name, slots: 4, perHour: 0.1 });
    const slotsOf = (r: ReturnType<typeof record>) => Array.from({ length: r.slots }, (_, i) => workerOf(r, { name: `${r.workerName}-${i + 1}`, idleSince: NOW - s(3) }));

    it('lets an idle 4-slot instance go when a 1-slot type at a third of its price carries the load', () => {
      const r = big();
      const d = decide(snapshot({ offers: [linux, linux4], instances: [r], workers: slotsOf(r), arrivals: trickle(20) }));
      expect(d.terminations.map((t) => t.instanceId)).toEqual([r.instanceId]);
      expect(d.terminations[0].reason).toMatch(/oversized for the steady load .*c6a\.large spot at 0\.03\/h instead of 0\.1\/h/);
    });

    it('keeps it while the load needs its slots, or before enough arrivals tell the load', () => {
      const r = big();
      const heavy = decide(snapshot({ offers: [linux, linux4], instances: [r], workers: slotsOf(r), arrivals: trickle(20, 40) }));
      expect(heavy.terminations).toEqual([]); // ~2.7 busy slots: 4 slots are the right size
      const early = decide(snapshot({ offers: [linux, linux4], instances: [r], workers: slotsOf(r), arrivals: trickle(4) }));
      expect(early.terminations).toEqual([]);
    });

    it('keeps one of two warm 1-slot instances when one carries the load, never both gone', () => {
      const a = record(600);
      const b = record(600);
      const d = decide(snapshot({ instances: [a, b], workers: [workerOf(a, { idleSince: NOW - s(3) }), workerOf(b, { idleSince: NOW - s(3) })], arrivals: trickle(20) }));
      expect(d.terminations).toHaveLength(1);
      expect(d.terminations[0].reason).toMatch(/other ready instances \(1 slot\(s\)\) carry the steady load/);
    });
  });

  it('does not count arrivals of jobs it cannot run', () => {
    const idle = record(600);
    const times = [40, 30, 20, 10].map((ago) => NOW - s(ago));
    const d = decide(snapshot({ instances: [idle], workers: [workerOf(idle)], arrivals: [{ affinities: ['gpu', 'linux'], times }] }));
    expect(d.terminations).toHaveLength(1);
  });

  it('uses up the 60 s billing minimum before terminating an instance that might still help', () => {
    const young = record(30, { becameWorkerAt: NOW - s(5) });
    const snap = { instances: [young], workers: [workerOf(young, { idleSince: NOW - s(5) })], runningJobs: 3 };
    expect(decide(snapshot(snap)).terminations).toEqual([]);
    expect(decide(snapshot({ ...snap, now: NOW + s(31) })).terminations).toHaveLength(1);
  });
});

describe('safety rules (every policy)', () => {
  for (const policy of ['cost', 'classic'] as const) {
    it(`${policy}: terminates an instance that never became a worker within the boot deadline`, () => {
      const stuck = record(1000, { state: 'booting', becameWorkerAt: undefined });
      const d = decide(snapshot({ instances: [stuck], settings: settings({ policy, bootDeadlineSeconds: 900 }) }));
      expect(d.terminations).toHaveLength(1);
      expect(d.terminations[0].reason).toMatch(/never became a worker within 900s/);
      const fine = record(600, { state: 'booting', becameWorkerAt: undefined });
      expect(decide(snapshot({ instances: [fine], settings: settings({ policy, bootDeadlineSeconds: 900 }) })).terminations).toEqual([]);
    });

    it(`${policy}: terminates and reports a tagged instance with no record`, () => {
      const d = decide(snapshot({
        settings: settings({ policy }),
        listed: [{ id: 'i-stray', state: 'running', instanceType: 'c6a.large', workerName: 'cloud-x', launchedAt: NOW - s(50) }],
      }));
      expect(d.terminations).toEqual([expect.objectContaining({ instanceId: 'i-stray', orphan: true })]);
      expect(d.reasons.join('\n')).toMatch(/orphan/);
    });
  }

  it('does not call an instance an orphan while its launch intent awaits the provider id', () => {
    const intent = record(5, { instanceId: undefined, state: 'launching', becameWorkerAt: undefined, workerName: 'cloud-pending' });
    const d = decide(snapshot({ instances: [intent], listed: [{ id: 'i-new', state: 'pending', instanceType: 'c6a.large', workerName: 'cloud-pending', launchedAt: NOW }] }));
    expect(d.terminations).toEqual([]);
  });
});
