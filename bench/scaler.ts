/**
 * Scaler benchmark: runs the `classic` and `cost` policies through the simulator on a trace
 * (`--trace FILE`) or on the reference traces in bench/traces/, printing one JSON line per policy
 * and trace, then a table and the targets. `--regenerate` rewrites bench/traces/*.json from
 * core/simulator/reference-traces.ts.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTrace } from '../core/simulator/trace.ts';
import type { Trace } from '../core/simulator/trace.ts';
import { simulate } from '../core/simulator/simulator.ts';
import type { SimulationResult } from '../core/simulator/simulator.ts';
import { referenceTraces } from '../core/simulator/reference-traces.ts';
import { estimateAccuracy, type EstimateAccuracy } from './estimate-accuracy.ts';

const tracesDir = join(dirname(fileURLToPath(import.meta.url)), 'traces');
const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

if (args.includes('--regenerate')) {
  for (const [name, make] of Object.entries(referenceTraces)) {
    writeFileSync(join(tracesDir, `${name}.json`), `${JSON.stringify(make())}\n`);
  }
}

const traceFile = flag('--trace');
const files = traceFile ? [traceFile] : readdirSync(tracesDir).filter((f) => f.endsWith('.json')).sort().map((f) => join(tracesDir, f));
if (files.length === 0) {
  console.error(`no traces in ${tracesDir}; run with --regenerate`);
  process.exit(1);
}

const rows: Array<{ trace: string; classic: SimulationResult; cost: SimulationResult; estimate: EstimateAccuracy }> = [];
const started = Date.now();
for (const file of files) {
  let trace: Trace;
  try {
    trace = parseTrace(JSON.parse(readFileSync(file, 'utf8')));
  } catch (error) {
    console.error(`${file}: ${(error as Error).message}`);
    process.exit(1);
  }
  const name = trace.name ?? file.replace(/^.*\//, '').replace(/\.json$/, '');
  const classic = simulate(trace, { policy: 'classic' });
  const cost = simulate(trace, { policy: 'cost' });
  for (const r of [classic, cost]) console.log(JSON.stringify({ ...r, trace: name }));
  const estimate = { ...estimateAccuracy(trace, cost), trace: name };
  console.log(JSON.stringify({ estimate: true, ...estimate }));
  rows.push({ trace: name, classic, cost, estimate });
}

const pad = (s: string | number, n: number) => String(s).padStart(n);
console.log('');
console.log(`${'trace'.padEnd(16)} ${'policy'.padEnd(8)}${pad('cost', 9)}${pad('lower', 9)}${pad('ratio', 7)}${pad('makespan', 10)}${pad('meanWait', 10)}${pad('p95Wait', 9)}${pad('idle s', 9)}${pad('boot s', 8)}${pad('launch', 7)}${pad('intr', 5)}${pad('unfin', 6)}${pad('left', 5)}`);
for (const row of rows) {
  for (const r of [row.classic, row.cost]) {
    console.log(`${row.trace.padEnd(16)} ${r.policy.padEnd(8)}${pad(r.cost.toFixed(2), 9)}${pad(r.lowerBound.toFixed(2), 9)}${pad(r.costRatio.toFixed(2), 7)}${pad(r.makespan, 10)}${pad(Math.round(r.meanWait), 10)}${pad(Math.round(r.p95Wait), 9)}${pad(r.idleInstanceSeconds, 9)}${pad(r.bootInstanceSeconds, 8)}${pad(r.launches, 7)}${pad(r.interruptions, 5)}${pad(r.unfinishedJobs, 6)}${pad(r.instancesLeftRunning, 5)}`);
  }
}
console.log('');
let allMet = true;
for (const { trace, classic, cost } of rows) {
  // A trickle cannot share instances between jobs the way a burst does: one warm right-sized instance is the floor.
  const ratioTarget = trace.startsWith('trickle') ? 1.5 : 1.15;
  const checks: Array<[string, boolean]> = [
    [`cost/lowerBound ${cost.costRatio.toFixed(2)} <= ${ratioTarget}`, cost.costRatio <= ratioTarget],
    [`cost/classic ${(cost.cost / classic.cost).toFixed(2)} <= 0.60`, cost.cost <= 0.6 * classic.cost],
    [`makespan ${(cost.makespan / classic.makespan).toFixed(3)}x classic <= 1.05`, cost.makespan <= 1.05 * classic.makespan],
    [`unfinished ${cost.unfinishedJobs} = 0`, cost.unfinishedJobs === 0],
    [`left running ${cost.instancesLeftRunning} = 0`, cost.instancesLeftRunning === 0],
    [`launches for unservable ${cost.launchesForUnservable} = 0`, cost.launchesForUnservable === 0],
  ];
  const failed = checks.filter(([, ok]) => !ok);
  allMet &&= failed.length === 0;
  console.log(`${trace.padEnd(16)} ${failed.length === 0 ? 'all targets met' : `MISSED: ${failed.map(([m]) => m).join('; ')}`} (${checks.filter(([, ok]) => ok).map(([m]) => m).join('; ')})`);
}
console.log('\nEstimates (POST /api/cloud/estimate, durations as a person states them) against the run:');
console.log(`${'trace'.padEnd(16)} ${pad('est. cost', 10)}${pad('actual', 9)}${pad('ratio', 7)}${pad('est. end', 10)}${pad('actual', 9)}${pad('ratio', 7)}`);
for (const { trace, estimate: e } of rows) {
  console.log(`${trace.padEnd(16)} ${pad(e.estimatedCost.toFixed(3), 10)}${pad(e.actualCost.toFixed(3), 9)}${pad(e.costRatio.toFixed(2), 7)}${pad(e.estimatedFinish ?? '-', 10)}${pad(e.actualFinish, 9)}${pad(e.finishRatio?.toFixed(2) ?? '-', 7)}`);
}
console.log(`\n${files.length} trace(s), both policies, in ${((Date.now() - started) / 1000).toFixed(1)}s; targets ${allMet ? 'all met' : 'NOT all met'}`);
