/**
 * Instances whose workers never come (here: nobody plays them, as with a wrong publicurl) must
 * trigger the back-off and the alert, not a loop. The server runs in this process against
 * moto's server with an injected clock, so six hours of scaler ticks take seconds.
 */
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateInstanceProfileCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import { createLogger } from '../../core/logger.ts';
import { startServer, type RunningServer } from '../../core/server.ts';
import { startMoto, useMotoInThisProcess, type Moto } from '../helpers/moto.ts';
import { api, freePort, removeDir, tempDir, TEST_TOKENS } from '../helpers/processes.ts';

let moto: Moto;
let undoEnv: () => void;
let server: RunningServer | undefined;
const dir = tempDir('coalition-aws-runaway-');

beforeAll(async () => {
  moto = await startMoto();
  undoEnv = useMotoInThisProcess(moto);
  await moto.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'coalition-worker' }));
});
afterAll(async () => {
  await server?.close();
  undoEnv?.();
  await moto?.stop();
  removeDir(dir);
});

interface Alert { code: string; severity: string; message: string; causes: Array<{ cause: string; howToCheck: string }>; details: { wastedCost: number; launchesStopped: boolean } }

describe('runaway guard against moto', () => {
  it('backs off and alerts instead of relaunching a batch every boot deadline; resumes once acknowledged', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    server = await startServer({
      port: 0, host: '127.0.0.1', data: dir, servermode: 'aws', publicurl: 'http://192.0.2.10:19211', clock,
      logger: createLogger({ quiet: true }), tokens: TEST_TOKENS, scalerTickSeconds: 86_400,
      ini: {
        aws: { region: 'eu-west-3', imageid: await moto.imageId(), instancetype: 't3.micro', spot: 'false', 'ondemandprice.t3.micro': '0.0104', bucket: 'coalition-loop', iaminstanceprofile: 'coalition-worker' },
        cloud: { maxinstances: '2' },
      },
    });
    const scaler = server.cloud.scaler!;
    for (let i = 0; i < 2; i++) expect((await api(server.url, 'PUT', '/api/jobs', { title: `frame ${i}`, command: 'true' })).status).toBe(200);
    const launchedInMoto = async () => ((await moto.ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).flatMap((r) => r.Instances ?? []);
    const before = (await launchedInMoto()).length;
    for (let minute = 0; minute < 6 * 60; minute++) {
      clock.advance(60_000);
      await scaler.tick();
    }
    const instances = (await launchedInMoto()).slice(before);
    // Without the guard: a batch of 2 at every 15-minute deadline, 48 instances in 6 hours.
    expect(instances.length).toBeGreaterThanOrEqual(2);
    expect(instances.length).toBeLessThanOrEqual(4);
    expect(instances.every((i) => i.State?.Name === 'terminated')).toBe(true);
    const cloud = (await api<{ alerts: Alert[]; totals: { neverWorkers: { instances: number; cost: number } }; reasons: string[] }>(server.url, 'GET', '/api/cloud')).body;
    const [alert] = cloud.alerts;
    expect(alert).toMatchObject({ code: 'boot-deadline-missed', severity: 'error', details: { launchesStopped: true } });
    expect(alert.details.wastedCost).toBeGreaterThan(0);
    expect(alert.causes.map((c) => c.cause).join('\n')).toMatch(/http:\/\/192\.0\.2\.10:19211[\s\S]*sg-coalition[\s\S]*bootstrap/);
    expect(alert.causes.map((c) => c.howToCheck).join('\n')).toMatch(/aws ec2 get-console-output --instance-id i-\w+ --latest --region eu-west-3/);
    expect(cloud.totals.neverWorkers.instances).toBe(instances.length);
    expect(cloud.reasons.join('\n')).toMatch(/t3\.micro on-demand: blocked: \d instance\(s\) in a row never became workers/);

    const refused = await api(server.url, 'POST', '/api/cloud/alerts/budget-reached/acknowledge');
    expect(refused.status).toBe(404);
    const ack = await api<{ acknowledged: string; alerts: Alert[] }>(server.url, 'POST', '/api/cloud/alerts/boot-deadline-missed/acknowledge');
    expect(ack).toMatchObject({ status: 200, body: { acknowledged: 'boot-deadline-missed', alerts: [] } });
    clock.advance(60_000);
    await scaler.tick();
    expect((await launchedInMoto()).length).toBeGreaterThan(before + instances.length);
  });

  it('says which price is missing and what to set when the Price List cannot be reached', async () => {
    await server?.close();
    const data = tempDir('coalition-aws-noprice-');
    const unreachable = `http://127.0.0.1:${await freePort()}`;
    process.env.AWS_ENDPOINT_URL_PRICING = unreachable; // moto has no Price List API; nothing listens here
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    try {
      server = await startServer({
        port: 0, host: '127.0.0.1', data, servermode: 'aws', publicurl: 'http://192.0.2.10:19211', clock,
        logger: createLogger({ quiet: true }), tokens: TEST_TOKENS, scalerTickSeconds: 86_400,
        ini: { aws: { region: 'eu-west-3', imageid: await moto.imageId(), instancetype: 't3.micro', spot: 'false', bucket: 'b', iaminstanceprofile: 'coalition-worker', pricettl: '600' } },
      });
      await api(server.url, 'PUT', '/api/jobs', { title: 'frame', command: 'true' });
      await server.cloud.scaler!.tick();
      const reasons = (await api<{ reasons: string[] }>(server.url, 'GET', '/api/cloud')).body.reasons;
      expect(reasons).toEqual([expect.stringMatching(/^no price for t3\.micro on-demand \(price list unreachable: .+\); set ondemandprice\.t3\.micro — not launching for 1 job\(s\)$/)]);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_PRICING;
      await server?.close();
      server = undefined;
      removeDir(data);
    }
  });
});
