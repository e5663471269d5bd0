import { CreateFleetCommand, DeleteLaunchTemplateCommand, DescribeInstancesCommand, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LaunchRequest } from '../../core/plugin-api.ts';
import { defaultAwsSettings, type AwsSettings } from '../../plugins/aws/aws-settings.ts';
import { Ec2Provider } from '../../plugins/aws/ec2-provider.ts';
import { awsError, FakeEc2 } from './aws-fake-ec2.ts';

const FARM = 'farm-42';

function logger() {
  return { info: vi.fn(), warn: vi.fn(), error: vi.fn(), debug: vi.fn() };
}

const settings = (over: Partial<AwsSettings> = {}): AwsSettings => ({
  ...defaultAwsSettings,
  region: 'eu-west-3',
  bucket: 'studio-renders',
  imageId: 'ami-0123456789abcdef0',
  instanceTypes: ['c6i.large'],
  subnetIds: ['subnet-aaa'],
  securityGroupIds: ['sg-worker1'],
  iamInstanceProfile: 'coalition-worker',
  keyName: 'render-key',
  namePrefix: 'cloud-',
  rendererArchive: 'srv/guerilla_render_2.3_linux64.tar.gz',
  ...over,
});

function request(n: number, over: Partial<LaunchRequest> = {}): LaunchRequest {
  return {
    instanceType: 'c6i.large',
    market: 'on-demand',
    count: n,
    instances: Array.from({ length: n }, (_, i) => ({ workerName: `w${i}`, workerToken: `tok-${i}-abcdef`, clientToken: `ct-${i}` })),
    serverUrl: 'http://10.0.0.5:19211',
    tags: { 'coalition:farm': FARM },
    ...over,
  };
}

let ec2: FakeEc2;
let log: ReturnType<typeof logger>;
const sleeps: number[] = [];
const make = (over: Partial<AwsSettings> = {}) => new Ec2Provider({
  ec2: ec2.client, settings: settings(over), farmId: FARM, logger: log,
  backoff: { sleep: async (ms) => { sleeps.push(ms); }, random: () => 0.999 },
});

beforeEach(() => {
  ec2 = new FakeEc2();
  log = logger();
  sleeps.length = 0;
});
afterEach(() => ec2.restore());

describe('EC2 provider: launching', () => {
  it('refuses to start workers told to reach the server on a loopback address, calling AWS for nothing', async () => {
    const result = await make().launch(request(2, { serverUrl: 'http://127.0.0.1:19211' }));
    expect(result.started).toEqual([]);
    expect(result.failed.map((f) => f.error.code)).toEqual(['invalid', 'invalid']);
    expect(result.failed[0].error.message).toContain('serverurl');
    expect(ec2.mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
    expect((await make({ serverUrl: 'http://10.0.0.5:19211' }).launch(request(1, { serverUrl: 'http://127.0.0.1:19211' }))).started).toHaveLength(1);
  });

  it('counts every spelling of this machine as loopback: 0.0.0.0, ::1, [::], 127.x, localhost', async () => {
    for (const url of ['http://0.0.0.0:19211', 'http://[::1]:19211', 'http://[::]:19211', 'http://127.4.5.6:19211', 'http://127.1:19211', 'http://LOCALHOST:19211', 'http://[::ffff:127.0.0.1]:19211', 'http://0:19211']) {
      const result = await make().launch(request(1, { serverUrl: url }));
      expect(result.failed.map((f) => f.error.message), url).toEqual([expect.stringContaining('cannot reach the server')]);
    }
    expect(ec2.mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
    expect((await make().launch(request(1, { serverUrl: 'http://128.0.0.1:19211' }))).started).toHaveLength(1);
  });

  it('starts an on-demand worker with tags, token, role, network, IMDSv2 and terminate-on-shutdown', async () => {
    const result = await make().launch(request(1));
    expect(result.failed).toEqual([]);
    expect(result.started).toHaveLength(1);
    const input = ec2.mock.commandCalls(RunInstancesCommand)[0].args[0].input;
    expect(input).toMatchObject({
      ImageId: 'ami-0123456789abcdef0', InstanceType: 'c6i.large', MinCount: 1, MaxCount: 1, ClientToken: 'ct-0',
      SubnetId: 'subnet-aaa', SecurityGroupIds: ['sg-worker1'], KeyName: 'render-key',
      IamInstanceProfile: { Name: 'coalition-worker' },
      MetadataOptions: { HttpTokens: 'required' }, InstanceInitiatedShutdownBehavior: 'terminate',
    });
    expect(input.InstanceMarketOptions).toBeUndefined();
    const tags = [{ Key: 'coalition:farm', Value: FARM }, { Key: 'Name', Value: 'cloud-w0' }, { Key: 'coalition:worker', Value: 'w0' }];
    for (const type of ['instance', 'volume']) {
      expect(input.TagSpecifications?.find((t) => t.ResourceType === type)?.Tags).toEqual(expect.arrayContaining(tags));
    }
    const userData = Buffer.from(input.UserData!, 'base64').toString('utf8');
    expect(userData.startsWith('#cloud-config')).toBe(true);
    expect(userData).toContain('COALITION_WORKER_TOKEN=tok-0-abcdef');
    expect(userData).toContain('COALITION_SERVER=http://10.0.0.5:19211');
    expect(userData).not.toMatch(/AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}|secretaccesskey|aws_secret_access_key/i);
    expect(result.started[0]).toMatchObject({ state: 'pending', market: 'on-demand', workerName: 'w0', instanceType: 'c6i.large' });
  });

  it('gives each worker its own user-data and idempotency token', async () => {
    await make().launch(request(2));
    const calls = ec2.mock.commandCalls(RunInstancesCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.ClientToken)).toEqual(['ct-0', 'ct-1']);
    expect(Buffer.from(calls[1].UserData!, 'base64').toString()).toContain('COALITION_WORKER_TOKEN=tok-1-abcdef');
  });

  it('retrying a launch with the same client token does not start a second machine', async () => {
    const provider = make();
    const first = await provider.launch(request(1));
    const again = await provider.launch(request(1));
    expect(again.started[0].id).toBe(first.started[0].id);
    expect(ec2.instances.size).toBe(1);
  });

  it('launches spot for one type through InstanceMarketOptions', async () => {
    const result = await make({ spotMaxPrice: '0.05' }).launch(request(1, { market: 'spot' }));
    expect(result.started[0].market).toBe('spot');
    expect(ec2.mock.commandCalls(RunInstancesCommand)[0].args[0].input.InstanceMarketOptions).toEqual({
      MarketType: 'spot', SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate', MaxPrice: '0.05' },
    });
  });

  it('spot = false really turns spot off', async () => {
    const provider = make({ spot: false });
    expect((await provider.offers())[0].markets).toEqual(['on-demand']);
    const result = await provider.launch(request(2, { market: 'spot' }));
    expect(result.started).toEqual([]);
    expect(result.failed.map((f) => f.error.code)).toEqual(['invalid', 'invalid']);
    expect(ec2.mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
  });

  it('uses an instant price-capacity-optimized fleet over interchangeable spot types, reporting per-pool errors', async () => {
    ec2.fleetPoolErrors.set('c6i.large', { ErrorCode: 'InsufficientInstanceCapacity', ErrorMessage: 'no capacity' });
    const provider = make({ fleetTypes: ['c6i.large', 'c6a.large'], subnetIds: ['subnet-aaa', 'subnet-bbb'] });
    const ok = await provider.launch(request(1, { market: 'spot' }));
    expect(ok.failed).toEqual([]);
    expect(ok.started[0]).toMatchObject({ instanceType: 'c6a.large', market: 'spot', workerName: 'w0' });
    const fleet = ec2.mock.commandCalls(CreateFleetCommand)[0].args[0].input;
    expect(fleet).toMatchObject({
      Type: 'instant', ClientToken: 'ct-0',
      TargetCapacitySpecification: { TotalTargetCapacity: 1, DefaultTargetCapacityType: 'spot' },
      SpotOptions: { AllocationStrategy: 'price-capacity-optimized' },
    });
    expect(fleet.LaunchTemplateConfigs?.[0].Overrides?.map((o) => `${o.InstanceType}@${o.SubnetId}`)).toEqual([
      'c6i.large@subnet-aaa', 'c6i.large@subnet-bbb', 'c6a.large@subnet-aaa', 'c6a.large@subnet-bbb',
    ]);
    // The worker's tags and token travel in its launch template, which is deleted afterwards.
    const tagged = ec2.instances.get(ok.started[0].id)!.Tags!;
    expect(tagged).toEqual(expect.arrayContaining([{ Key: 'coalition:worker', Value: 'w0' }, { Key: 'coalition:farm', Value: FARM }]));
    expect(ec2.userData.get(ok.started[0].id)).toContain('COALITION_WORKER_TOKEN=tok-0-abcdef');
    expect(ec2.mock.commandCalls(DeleteLaunchTemplateCommand)).toHaveLength(1);
    expect(ec2.launchTemplates.size).toBe(0);

    ec2.fleetPoolErrors.set('c6a.large', { ErrorCode: 'SpotMaxPriceTooLow', ErrorMessage: 'price too low' });
    const none = await provider.launch(request(2, { market: 'spot', instances: [{ workerName: 'w7', workerToken: 'tok7', clientToken: 'ct-7' }, { workerName: 'w8', workerToken: 'tok8', clientToken: 'ct-8' }] }));
    expect(none.started).toEqual([]);
    expect(none.failed.map((f) => [f.workerName, f.error.code])).toEqual([['w7', 'price'], ['w8', 'price']]);
    expect(none.failed[0].error.message).toContain('c6i.large/subnet-aaa: InsufficientInstanceCapacity');
    expect(ec2.launchTemplates.size).toBe(0);
  });

  it('reports partial success and stops asking once the pool is out of capacity', async () => {
    ec2.capacity = 1;
    const result = await make().launch(request(3));
    expect(result.started.map((i) => i.workerName)).toEqual(['w0']);
    expect(result.failed.map((f) => [f.workerName, f.error.code, f.error.providerCode])).toEqual([
      ['w1', 'capacity', 'InsufficientInstanceCapacity'], ['w2', 'capacity', 'InsufficientInstanceCapacity'],
    ]);
    expect(ec2.mock.commandCalls(RunInstancesCommand)).toHaveLength(2);
  });

  it.each([
    ['InsufficientInstanceCapacity', 'capacity'],
    ['SpotMaxPriceTooLow', 'price'],
    ['InstanceLimitExceeded', 'quota'],
    ['VcpuLimitExceeded', 'quota'],
    ['MaxSpotInstanceCountExceeded', 'quota'],
    ['UnauthorizedOperation', 'auth'],
    ['InvalidParameterValue', 'invalid'],
    ['InvalidAMIID.NotFound', 'invalid'],
    ['SomethingNew', 'unknown'],
  ])('maps %s to %s', async (awsCode, code) => {
    ec2.failNext('RunInstances', awsError(awsCode));
    const result = await make().launch(request(1, { market: 'spot' }));
    expect(result.failed[0].error).toMatchObject({ name: 'ProviderError', code, providerCode: awsCode });
  });

  it('names the missing permission when EC2 refuses', async () => {
    ec2.failNext('RunInstances', awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    const result = await make().launch(request(1));
    expect(result.failed[0].error.message).toContain('ec2:RunInstances');
  });

  it('backs off on RequestLimitExceeded, then succeeds', async () => {
    ec2.failNext('RunInstances', awsError('RequestLimitExceeded'));
    ec2.failNext('RunInstances', awsError('RequestLimitExceeded'));
    const result = await make().launch(request(1));
    expect(result.started).toHaveLength(1);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[1]).toBeGreaterThan(sleeps[0]);
  });

  it('gives up with a throttled error after the last attempt', async () => {
    for (let i = 0; i < 5; i++) ec2.failNext('RunInstances', awsError('RequestLimitExceeded'));
    const result = await make().launch(request(1));
    expect(result.failed[0].error.code).toBe('throttled');
    expect(sleeps).toHaveLength(4);
  });

  it('refuses to render user-data with a missing value instead of starting a broken instance', async () => {
    const result = await make({ bucket: '' }).launch(request(2));
    expect(result.failed.map((f) => f.error.code)).toEqual(['invalid', 'invalid']);
    expect(result.failed[0].error.message).toContain('bucket');
    expect(ec2.mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
  });
});

describe('EC2 provider: listing', () => {
  it("pages through the farm's instances, maps states and skips unknown ones with a log line", async () => {
    ec2.pageSize = 2;
    const farm = [{ Key: 'coalition:farm', Value: FARM }];
    const states = ['pending', 'running', 'shutting-down', 'stopping', 'stopped', 'terminated', 'hibernating'];
    for (const state of states) ec2.add('c6i.large', state === 'running', [...farm, { Key: 'coalition:worker', Value: `w-${state}` }], undefined, state);
    ec2.add('c6i.large', false, [{ Key: 'coalition:farm', Value: 'another-farm' }], undefined, 'running');
    const listed = await make().list(FARM);
    expect(ec2.mock.commandCalls(DescribeInstancesCommand).length).toBe(4);
    expect(ec2.mock.commandCalls(DescribeInstancesCommand)[0].args[0].input.Filters).toEqual([{ Name: 'tag:coalition:farm', Values: [FARM] }]);
    expect(listed.map((i) => [i.workerName, i.state])).toEqual([
      ['w-pending', 'pending'], ['w-running', 'running'], ['w-shutting-down', 'stopping'], ['w-stopping', 'stopped'],
      ['w-stopped', 'stopped'], ['w-terminated', 'terminated'],
    ]);
    expect(listed.find((i) => i.workerName === 'w-running')?.market).toBe('spot');
    expect(log.info).toHaveBeenCalledWith(expect.objectContaining({ state: 'hibernating' }), expect.stringContaining('skipping'));
  });
});

describe('EC2 provider: terminating', () => {
  it('is idempotent: unknown, malformed and already terminated ids count as terminated', async () => {
    const provider = make();
    const { started } = await provider.launch(request(2));
    const ids = started.map((i) => i.id);
    const ghost = 'i-0000000000000dead';
    expect(await provider.terminate([ids[0], ghost, ids[1]])).toEqual({ terminated: [ghost, ids[0], ids[1]], failed: [] });
    expect(await provider.terminate(ids)).toEqual({ terminated: ids, failed: [] });
    expect(await provider.terminate(['not-an-id'])).toEqual({ terminated: ['not-an-id'], failed: [] });
    expect(await provider.terminate([])).toEqual({ terminated: [], failed: [] });
    expect(ec2.live()).toEqual([]);
  });

  it('reports a refusal per id with the missing permission, and backs off when throttled', async () => {
    const provider = make();
    const { started } = await provider.launch(request(1));
    ec2.failNext('TerminateInstances', awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    const refused = await provider.terminate([started[0].id]);
    expect(refused.terminated).toEqual([]);
    expect(refused.failed[0].error.code).toBe('auth');
    expect(refused.failed[0].error.message).toContain('ec2:TerminateInstances');
    ec2.failNext('TerminateInstances', awsError('RequestLimitExceeded'));
    expect(await provider.terminate([started[0].id])).toEqual({ terminated: [started[0].id], failed: [] });
    expect(ec2.mock.commandCalls(TerminateInstancesCommand)).toHaveLength(3);
  });
});
