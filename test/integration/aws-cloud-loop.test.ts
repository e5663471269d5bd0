/**
 * The whole cloud loop against moto's server: a real server process in `servermode = aws`
 * launches EC2 instances in moto; the harness plays each instance from the user-data it reads
 * back (a real worker process with the name and per-instance token it carries); the jobs
 * finish; idle instances are terminated and their tokens revoked; a SIGKILLed server adopts
 * its instances instead of launching again; a tagged instance with no record is terminated.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeInstancesCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateInstanceProfileCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstanceHarness } from '../helpers/instance-harness.ts';
import { startMoto, type Moto } from '../helpers/moto.ts';
import { api, freePort, killAll, removeDir, startServerProcess, tempDir, TEST_TOKENS, waitFor, type ServerProc } from '../helpers/processes.ts';

let moto: Moto;
const dirs: string[] = [];
beforeAll(async () => {
  moto = await startMoto();
  await moto.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'coalition-worker' }));
});
afterAll(async () => {
  await killAll();
  await moto?.stop();
  for (const d of dirs) removeDir(d);
});

/** The address workers are told (TEST-NET-1: not this machine, so the loopback check passes); the harness maps it to 127.0.0.1. */
const PUBLIC_HOST = '192.0.2.10';

async function farmConfig(port: number): Promise<{ dataDir: string; config: string }> {
  const dataDir = tempDir('coalition-aws-loop-');
  dirs.push(dataDir);
  const config = join(dataDir, 'coalition.ini');
  writeFileSync(config, [
    '[server]', 'servermode = aws', `publicurl = http://${PUBLIC_HOST}:${port}`, '',
    '[aws]', 'region = eu-west-3', `imageid = ${await moto.imageId()}`, 'instancetype = t3.micro', 'spot = false', 'ondemandprice.t3.micro = 0.0104',
    'bucket = coalition-loop', 'iaminstanceprofile = coalition-worker', 'bootseconds = 30', '',
    '[cloud]', 'maxinstances = 2', '',
  ].join('\n'));
  return { dataDir, config };
}

async function startAwsServer(port: number, dataDir: string, config: string): Promise<ServerProc> {
  return startServerProcess({ port, dataDir, args: ['--config', config], env: { ...moto.env, COALITION_SERVERMODE: 'aws' } });
}

interface CloudView {
  instances: Array<{ id?: string; state: string; workerName: string }>;
  totals: { launches: number; terminations: number; orphans: number; costSoFar: number };
  spend: { today: number; thisMonth: number; perDay: Array<{ day: string; total: number }> };
  alerts: unknown[];
}
const cloud = async (s: ServerProc) => (await api<CloudView>(s.url, 'GET', '/api/cloud')).body;
const jobs = async (s: ServerProc) => (await api<Array<{ id: number; state: string; worker: string; cost: number }>>(s.url, 'GET', '/api/jobs')).body;

async function farmInstances(farmId: string) {
  const res = await moto.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:coalition:farm', Values: [farmId] }] }));
  return (res.Reservations ?? []).flatMap((r) => r.Instances ?? []);
}

describe('cloud mode on AWS, end to end against moto', () => {
  it('launches, runs the jobs on the instances, terminates idle ones and revokes their tokens; survives a SIGKILL without launching twice; kills orphans', { timeout: 240_000 }, async () => {
    const port = await freePort();
    const { dataDir, config } = await farmConfig(port);
    let server = await startAwsServer(port, dataDir, config);
    const farmId = readFileSync(join(dataDir, 'farm-id'), 'utf8').trim();
    const harness = new InstanceHarness(moto, farmId, (url) => url.replace(PUBLIC_HOST, '127.0.0.1'));
    harness.start();
    try {
      // Jobs submitted: instances are launched in moto and play their part.
      for (let i = 0; i < 3; i++) expect((await api(server.url, 'PUT', '/api/jobs', { title: `frame ${i}`, command: 'sleep 1; echo done' })).status).toBe(200);
      await waitFor(async () => (await jobs(server)).every((j) => j.state === 'FINISHED'), { what: 'the jobs to finish on cloud workers', timeoutMs: 60_000 });
      const launched = await farmInstances(farmId);
      expect(launched.length).toBeGreaterThanOrEqual(1);
      expect(launched.length).toBeLessThanOrEqual(2); // maxinstances
      for (const p of harness.played.values()) {
        expect(p.serverUrl).toBe(`http://${PUBLIC_HOST}:${port}`);
        expect(p.userData).not.toContain(TEST_TOKENS.admin);
        expect(p.userData).not.toContain(TEST_TOKENS.worker);
      }
      const ran = await jobs(server);
      expect(ran.every((j) => [...harness.played.values()].some((p) => p.workerName === j.worker))).toBe(true);
      // Cost per job: each run's share of a t3.micro at 0.0104/h.
      expect(ran.every((j) => j.cost > 0 && j.cost < 0.001)).toBe(true);

      // Idle: terminated in moto, and their tokens no longer open the worker protocol.
      await waitFor(async () => (await farmInstances(farmId)).every((i) => i.State?.Name === 'terminated') && (await cloud(server)).instances.every((i) => i.state === 'terminated'), { what: 'idle instances to be terminated', timeoutMs: 60_000 });
      const first = [...harness.played.values()][0];
      const refused = await fetch(`${server.url}/workers/pickjob`, { method: 'POST', headers: { Authorization: `Bearer ${first.token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: first.workerName }) });
      expect(refused.status).toBe(401);
      const status = await cloud(server);
      expect(status.totals.launches).toBe(launched.length);
      expect(status.spend.today).toBeGreaterThan(0);
      expect(status.alerts).toEqual([]);

      // Longer jobs, then the server is SIGKILLed mid-run and restarted on the same data.
      for (let i = 0; i < 2; i++) await api(server.url, 'PUT', '/api/jobs', { title: `long ${i}`, command: 'sleep 8; echo done' });
      await waitFor(async () => (await jobs(server)).some((j) => j.state === 'WORKING'), { what: 'a long job to run on a new instance', timeoutMs: 60_000 });
      const before = (await farmInstances(farmId)).length;
      const spentBefore = (await cloud(server)).totals.costSoFar;
      await server.kill('SIGKILL');
      server = await startAwsServer(port, dataDir, config);
      await waitFor(async () => (await jobs(server)).every((j) => j.state === 'FINISHED'), { what: 'the long jobs to finish after the restart', timeoutMs: 60_000 });
      expect((await farmInstances(farmId)).length).toBe(before); // adopted, not launched again
      const after = await cloud(server);
      expect(after.totals.launches).toBe(before);
      expect(after.totals.costSoFar).toBeGreaterThanOrEqual(spentBefore);

      // A tagged instance the server has no record of: terminated as an orphan.
      const { Instances } = await moto.ec2.send(new RunInstancesCommand({
        ImageId: await moto.imageId(), MinCount: 1, MaxCount: 1, InstanceType: 't3.micro',
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'coalition:farm', Value: farmId }, { Key: 'coalition:worker', Value: 'cloud-ghost' }] }],
      }));
      await waitFor(async () => (await farmInstances(farmId)).find((i) => i.InstanceId === Instances![0].InstanceId)?.State?.Name === 'terminated', { what: 'the orphan to be terminated', timeoutMs: 60_000 });
      expect((await cloud(server)).totals.orphans).toBe(1);
      expect(harness.errors).toEqual([]);
      expect(harness.unplayable.filter((id) => id !== Instances![0].InstanceId)).toEqual([]);
    } finally {
      await harness.stop();
      await server.kill('SIGTERM');
    }
  });
});
