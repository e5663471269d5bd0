/**
 * The six reference workloads `bench:scaler` runs (also saved as bench/traces/*.json).
 * Prices are us-east-1 Linux figures of the kind the EC2 pricing pages and spot price history
 * show (on-demand list prices; spot a typical recent level). The FIRST type of each trace is
 * what a studio would have put in the old `cloud_aws.ini` (`instancetype`) for that workload:
 * the classic policy uses only that one.
 */
import { SeededRandom } from './random.ts';
import type { Trace, TraceInstanceType, TraceJob } from './trace.ts';

const cpu8: TraceInstanceType[] = [
  { name: 'm5.2xlarge', slots: 1, affinities: ['linux'], onDemandPerHour: 0.384, spotPerHour: 0.172, bootSeconds: 100, spotInterruptionsPerHour: 0.05 },
  { name: 'c5.2xlarge', slots: 1, affinities: ['linux'], onDemandPerHour: 0.34, spotPerHour: 0.138, bootSeconds: 95, spotInterruptionsPerHour: 0.06 },
  { name: 'c6i.2xlarge', slots: 1, affinities: ['linux'], onDemandPerHour: 0.34, spotPerHour: 0.125, bootSeconds: 90, spotInterruptionsPerHour: 0.05 },
  { name: 'c6a.2xlarge', slots: 1, affinities: ['linux'], onDemandPerHour: 0.306, spotPerHour: 0.098, bootSeconds: 90, spotInterruptionsPerHour: 0.08 },
  { name: 'c6a.4xlarge', slots: 2, affinities: ['linux'], onDemandPerHour: 0.612, spotPerHour: 0.212, bootSeconds: 95, spotInterruptionsPerHour: 0.08 },
];

function lognormal(rng: SeededRandom, mean: number, sd: number): number {
  const sigma2 = Math.log(1 + (sd * sd) / (mean * mean));
  const mu = Math.log(mean) - sigma2 / 2;
  const z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  return Math.round(Math.exp(mu + Math.sqrt(sigma2) * z));
}

class JobList {
  readonly jobs: TraceJob[] = [];
  add(job: Omit<TraceJob, 'id'>): number {
    const id = this.jobs.length + 1;
    this.jobs.push({ id, priority: 1000, dependencies: [], parent: 0, ...job });
    return id;
  }
}

/** One shot of 2,000 frames of ~5 min each, submitted at once. */
export function renderTrace(): Trace {
  const rng = new SeededRandom(11);
  const jobs = new JobList();
  const shot = jobs.add({ submit: 0, duration: 0, affinity: '' });
  for (let f = 0; f < 2000; f++) jobs.add({ submit: 0, duration: lognormal(rng, 300, 70), affinity: 'linux', parent: shot });
  return { name: 'render-2000', description: '2,000 frames of ~5 min', instanceTypes: cpu8, limits: { maxInstances: 40, maxPerHour: null }, jobs: jobs.jobs, seed: 11 };
}

/** Eight bursts of 150–250 jobs of ~30 s (thumbnails, encodes) submitted over a minute, 20–60 min apart. */
export function burstTrace(): Trace {
  const rng = new SeededRandom(22);
  const jobs = new JobList();
  let t = 0;
  for (let b = 0; b < 8; b++) {
    const group = jobs.add({ submit: t, duration: 0, affinity: '' });
    const n = Math.round(rng.between(150, 250));
    for (let i = 0; i < n; i++) jobs.add({ submit: Math.round(t + rng.between(0, 60)), duration: lognormal(rng, 30, 8), affinity: 'linux', parent: group });
    t += Math.round(rng.between(1200, 3600));
  }
  const types: TraceInstanceType[] = [
    { name: 'm5.large', slots: 1, affinities: ['linux'], onDemandPerHour: 0.096, spotPerHour: 0.041, bootSeconds: 80, spotInterruptionsPerHour: 0.05 },
    { name: 'c6a.large', slots: 1, affinities: ['linux'], onDemandPerHour: 0.0765, spotPerHour: 0.031, bootSeconds: 75, spotInterruptionsPerHour: 0.08 },
    { name: 'c6a.2xlarge', slots: 4, affinities: ['linux'], onDemandPerHour: 0.306, spotPerHour: 0.118, bootSeconds: 85, spotInterruptionsPerHour: 0.08 },
  ];
  return { name: 'bursts-30s', description: 'bursts of 30 s jobs', instanceTypes: types, limits: { maxInstances: 20, maxPerHour: null }, jobs: jobs.jobs, seed: 22 };
}

/** About forty 10–60 min jobs arriving at random over a day. */
export function sparseTrace(): Trace {
  const rng = new SeededRandom(33);
  const jobs = new JobList();
  let t = rng.exponential(1 / 2000);
  while (t < 86_400) {
    jobs.add({ submit: Math.round(t), duration: Math.min(3600, Math.max(600, lognormal(rng, 1500, 700))), affinity: 'linux' });
    t += rng.exponential(1 / 2100);
  }
  const types: TraceInstanceType[] = [
    { name: 'm5.xlarge', slots: 1, affinities: ['linux'], onDemandPerHour: 0.192, spotPerHour: 0.086, bootSeconds: 85, spotInterruptionsPerHour: 0.05 },
    { name: 'c6i.xlarge', slots: 1, affinities: ['linux'], onDemandPerHour: 0.17, spotPerHour: 0.062, bootSeconds: 80, spotInterruptionsPerHour: 0.05 },
    { name: 'c6a.xlarge', slots: 1, affinities: ['linux'], onDemandPerHour: 0.153, spotPerHour: 0.049, bootSeconds: 80, spotInterruptionsPerHour: 0.08 },
  ];
  return { name: 'sparse-day', description: 'sparse arrivals over a day', instanceTypes: types, limits: { maxInstances: 10, maxPerHour: null }, jobs: jobs.jobs, seed: 33 };
}

/** Three shots, each a 40-min simulation, then 400 frames of ~4 min, then a 10-min comp. */
export function chainTrace(): Trace {
  const rng = new SeededRandom(44);
  const jobs = new JobList();
  for (let s = 0; s < 3; s++) {
    const submit = s * 1800;
    const shot = jobs.add({ submit, duration: 0, affinity: '' });
    const sim = jobs.add({ submit, duration: lognormal(rng, 2400, 300), affinity: 'linux', parent: shot });
    const render = jobs.add({ submit, duration: 0, affinity: '', parent: shot, dependencies: [sim] });
    for (let f = 0; f < 400; f++) jobs.add({ submit, duration: lognormal(rng, 240, 60), affinity: 'linux', parent: render });
    jobs.add({ submit, duration: lognormal(rng, 600, 100), affinity: 'linux', parent: shot, dependencies: [render], priority: 2000 });
  }
  return { name: 'sim-render-comp', description: 'sim → render → comp chains', instanceTypes: cpu8, limits: { maxInstances: 30, maxPerHour: null }, jobs: jobs.jobs, seed: 44 };
}

/** CPU frames and a GPU group (denoise / GPU render) on a farm whose old config used a GPU type for everything. */
export function mixedTrace(): Trace {
  const rng = new SeededRandom(55);
  const jobs = new JobList();
  for (let wave = 0; wave < 3; wave++) {
    const submit = wave * 2400;
    const cpu = jobs.add({ submit, duration: 0, affinity: '' });
    for (let i = 0; i < 200; i++) jobs.add({ submit, duration: lognormal(rng, 200, 50), affinity: 'linux', parent: cpu });
    const gpu = jobs.add({ submit: submit + 300, duration: 0, affinity: '' });
    for (let i = 0; i < 50; i++) jobs.add({ submit: submit + 300, duration: lognormal(rng, 400, 90), affinity: 'gpu,linux', parent: gpu });
  }
  const types: TraceInstanceType[] = [
    { name: 'g4dn.xlarge', slots: 1, affinities: ['gpu', 'linux'], onDemandPerHour: 0.526, spotPerHour: 0.2155, bootSeconds: 120, spotInterruptionsPerHour: 0.1 },
    { name: 'g5.xlarge', slots: 1, affinities: ['gpu', 'linux'], onDemandPerHour: 1.006, spotPerHour: 0.403, bootSeconds: 120, spotInterruptionsPerHour: 0.1 },
    { name: 'c6a.xlarge', slots: 1, affinities: ['linux'], onDemandPerHour: 0.153, spotPerHour: 0.049, bootSeconds: 80, spotInterruptionsPerHour: 0.08 },
    { name: 'c6a.4xlarge', slots: 4, affinities: ['linux'], onDemandPerHour: 0.612, spotPerHour: 0.212, bootSeconds: 95, spotInterruptionsPerHour: 0.08 },
  ];
  return { name: 'mixed-gpu', description: 'mixed affinities with a GPU group', instanceTypes: types, limits: { maxInstances: 30, maxPerHour: null }, jobs: jobs.jobs, seed: 55 };
}

/** A steady trickle: one short job (~11 s) every 10–20 s for three hours (CI checks, thumbnails, small conversions). */
export function trickleTrace(): Trace {
  const rng = new SeededRandom(66);
  const jobs = new JobList();
  for (let t = rng.between(0, 15); t < 3 * 3600; t += rng.between(10, 20)) {
    jobs.add({ submit: Math.round(t), duration: Math.max(2, lognormal(rng, 11, 4)), affinity: 'linux' });
  }
  const types: TraceInstanceType[] = [
    { name: 'm5.large', slots: 1, affinities: ['linux'], onDemandPerHour: 0.096, spotPerHour: 0.041, bootSeconds: 80, spotInterruptionsPerHour: 0.05 },
    { name: 'c6a.large', slots: 1, affinities: ['linux'], onDemandPerHour: 0.0765, spotPerHour: 0.031, bootSeconds: 75, spotInterruptionsPerHour: 0.08 },
    { name: 'c6a.2xlarge', slots: 4, affinities: ['linux'], onDemandPerHour: 0.306, spotPerHour: 0.118, bootSeconds: 85, spotInterruptionsPerHour: 0.08 },
  ];
  return { name: 'trickle-15s', description: 'one short job every ~15 s', instanceTypes: types, limits: { maxInstances: 20, maxPerHour: null }, jobs: jobs.jobs, seed: 66 };
}

export const referenceTraces: Record<string, () => Trace> = {
  'render-2000': renderTrace,
  'bursts-30s': burstTrace,
  'sparse-day': sparseTrace,
  'sim-render-comp': chainTrace,
  'mixed-gpu': mixedTrace,
  'trickle-15s': trickleTrace,
};
