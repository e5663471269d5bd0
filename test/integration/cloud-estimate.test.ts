/**
 * `POST /api/cloud/estimate` and `submit --estimate` on a server in cloud mode on AWS (moto's
 * server): the real policy simulated from the farm as it is; nothing submitted, nothing launched.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateInstanceProfileCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Estimate } from '../../core/cloud/estimate.ts';
import { FakeClock } from '../../core/clock.ts';
import { createLogger } from '../../core/logger.ts';
import { startServer, type RunningServer } from '../../core/server.ts';
import { startMoto, useMotoInThisProcess, type Moto } from '../helpers/moto.ts';
import { api, killAll, removeDir, runCoalition, tempDir, TEST_TOKENS } from '../helpers/processes.ts';

let moto: Moto;
let undoEnv: () => void;
let server: RunningServer;
const dir = tempDir('coalition-estimate-');

beforeAll(async () => {
  moto = await startMoto();
  undoEnv = useMotoInThisProcess(moto);
  await moto.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'coalition-worker' }));
  server = await startServer({
    port: 0, host: '127.0.0.1', data: dir, servermode: 'aws', publicurl: 'http://192.0.2.10:19211', clock: new FakeClock(Date.UTC(2026, 0, 5, 9)),
    logger: createLogger({ quiet: true }), tokens: TEST_TOKENS, scalerTickSeconds: 86_400,
    ini: {
      aws: { region: 'eu-west-3', imageid: await moto.imageId(), instancetypes: 't3.micro,c6i.large', spot: 'false', 'ondemandprice.t3.micro': '0.0104', 'ondemandprice.c6i.large': '0.085', 'affinities.c6i.large': 'linux', bucket: 'b', iaminstanceprofile: 'coalition-worker', bootseconds: '120' },
      cloud: { maxinstances: '5', budgetperday: '0.5' },
    },
  });
});
afterAll(async () => {
  await killAll();
  await server?.close();
  undoEnv?.();
  await moto?.stop();
  removeDir(dir);
});

const launched = async () => ((await moto.ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).flatMap((r) => r.Instances ?? []).length;
const jobCount = async () => (await api<unknown[]>(server.url, 'GET', '/api/jobs')).body.length;
const estimate = (body: unknown) => api<Estimate & { error?: { message: string } }>(server.url, 'POST', '/api/cloud/estimate', body);

describe('estimate before you submit', () => {
  it('answers cost, finish time and instance plan for a job tree as PUT /api/jobs takes it, and submits and launches nothing', async () => {
    const [jobsBefore, instancesBefore] = [await jobCount(), await launched()];
    const shot = { title: 'shot', children: [
      { title: 'sim', ref: 'sim', command: 'sim.sh', affinity: 'linux', seconds: 1200 },
      { title: 'render', dependencies: ['sim'], children: Array.from({ length: 40 }, (_, i) => ({ title: `f${i}`, command: `render.sh ${i}` })) },
    ] };
    const { status, body } = await estimate({ jobs: shot, seconds: 300 });
    expect(status).toBe(200);
    expect(body.jobs).toBe(41);
    // 40 × 300 s on t3.micro at 0.0104/h, 1,200 s of sim on c6i.large at 0.085/h.
    expect(body.lowerBound).toBeCloseTo((40 * 300 * 0.0104 + 1200 * 0.085) / 3600, 4);
    expect(body.cost).toBeGreaterThanOrEqual(body.lowerBound);
    expect(body.cost).toBeLessThan(body.lowerBound * 2);
    expect(body.finishInSeconds).toBeGreaterThan(1200 + 300); // the sim first, then at least one frame
    expect(body.pools.map((p) => p.instanceType).sort()).toEqual(['c6i.large', 't3.micro']);
    expect(body.peakInstances).toBeLessThanOrEqual(5);
    expect(body.warnings).toEqual([]);
    expect([await jobCount(), await launched()]).toEqual([jobsBefore, instancesBefore]);
  });

  it('takes counts, durations and affinities, and warns about a budget it would pass and jobs no type can run', async () => {
    const { status, body } = await estimate({ groups: [{ count: 400, seconds: 600 }, { count: 2, seconds: 60, affinity: 'gpu' }] });
    expect(status).toBe(200);
    expect(body.jobs).toBe(402);
    expect(body.unservableJobs).toBe(2);
    expect(body.finishInSeconds).toBeNull();
    expect(body.warnings.join('\n')).toMatch(/over the daily budget of 0\.5[\s\S]*2 job\(s\) need affinities no instance type offers/);
  });

  it('refuses what it cannot estimate with a 400 naming the problem, changing nothing', async () => {
    const before = [await jobCount(), await launched()];
    const cases: Array<[unknown, RegExp]> = [
      [{ jobs: { title: 'x', command: 'true' } }, /give "seconds"/],
      [{ jobs: { title: 'x' } }, /command is required/],
      [{ jobs: { title: 'x', children: [] }, seconds: 5 }, /job: command is required/],
      [{ jobs: [{ title: 'g', children: [{ title: 'h' }] }], seconds: 5 }, /jobs: command is required/],
      [{ jobs: 'render.sh', seconds: 5 }, /job: .*object/],
      [{ jobs: null, seconds: 5 }, /job: .*object/],
      [{ jobs: { title: 'x', command: 'true', colour: 'red' }, seconds: 5 }, /unknown field\(s\) "colour"/],
      [{ jobs: { title: 'x', command: 'true', seconds: -3 } }, /seconds must be a number of seconds more than 0/],
      [{ groups: [{ count: 3 }] }, /groups\.0\.seconds/],
      [{ groups: [{ count: 1, seconds: 1 }], jobs: [] }, /either "jobs" \(a submission\) or "groups"/],
      [{ jobs: [{ title: 'a', command: 'true', dependencies: ['nope'] }], seconds: 5 }, /dependency "nope" names no ref/],
      [{ seconds: 5, colour: 1 }, /unknown field\(s\) colour/],
    ];
    for (const [body, message] of cases) {
      const res = await estimate(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error?.message, JSON.stringify(body)).toMatch(message);
    }
    expect([await jobCount(), await launched()]).toEqual(before);
  });

  it('submit --estimate prints it from the command line and submits nothing', async () => {
    const file = join(dir, 'frames.json');
    writeFileSync(file, JSON.stringify({ title: 'frames', children: Array.from({ length: 10 }, (_, i) => ({ title: `f${i}`, command: 'render.sh' })) }));
    const before = await jobCount();
    const cli = runCoalition(['submit', '--file', file, '--estimate', '--seconds', '600', '--server', server.url], { COALITION_ADMIN_TOKEN: TEST_TOKENS.admin });
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toMatch(/Estimate \(cost policy, nothing submitted\): 10 job\(s\)\n {2}cost {10}0\.\d{4} \(the work alone: at least 0\.0173/);
    expect(cli.output()).toMatch(/finishes {6}in \d+ min/);
    expect(cli.output()).toMatch(/instances {5}\d+ × t3\.micro on-demand/);
    expect(await jobCount()).toBe(before);
  });
});
