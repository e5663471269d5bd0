import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SecretStore, SetupWizard } from '../../core/plugin-api.ts';
import { makeAwsClients } from '../../plugins/aws/aws-clients.ts';
import { defaultAwsSettings, parseCloudAwsIni } from '../../plugins/aws/aws-settings.ts';
import { SetupStateStore } from '../../plugins/aws/setup/setup-state.ts';
import type { SetupContext } from '../../plugins/aws/setup/setup-context.ts';
import { createAwsSetupWizard } from '../../plugins/aws/setup/wizard.ts';
import { FakeSetupCloud } from './aws-fake-setup-cloud.ts';

const FARM = 'farm7';
const silent = { info() {}, warn() {}, error() {}, debug() {} };

class MemorySecrets implements SecretStore {
  readonly values = new Map<string, string>();
  async get(key: string) { return this.values.get(key); }
  async set(key: string, value: string) { this.values.set(key, value); }
  async delete(key: string) { this.values.delete(key); }
}

let cloud: FakeSetupCloud;
let dir: string;
let secrets: MemorySecrets;
let bundle: string;
let renderer: string;

function wizardFor(region = 'eu-west-3'): SetupWizard {
  const ctx: SetupContext = {
    farmId: FARM,
    dataDir: dir,
    state: new SetupStateStore(join(dir, 'plugins', 'aws', 'setup-state.json'), FARM),
    secrets,
    logger: silent,
    settings: { ...defaultAwsSettings, region },
    repoRoot: dir,
    clients: async (r, credentials) => {
      cloud.currentKeys = credentials ?? (secrets.values.get('accessKeyId') ? { accessKeyId: secrets.values.get('accessKeyId')! } : undefined);
      return makeAwsClients(r, credentials ?? { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' });
    },
  };
  return createAwsSetupWizard(ctx);
}

const answers = (over: Record<string, string> = {}): Record<string, string> => ({
  region: 'eu-west-3',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  officeCidr: '203.0.113.7',
  bucket: 'studio-farm7-renders',
  workerBundle: bundle,
  rendererArchive: renderer,
  instanceTypes: 'c6i.large,c6a.large',
  imageId: 'auto',
  ...over,
});

async function applyAll(wizard: SetupWizard, input: Record<string, string>) {
  const outcomes = [];
  for (const step of wizard.steps) outcomes.push({ id: step.id, ...(await step.apply(input)) });
  return outcomes;
}

const writes = (calls: string[]) => calls.filter((c) => /^(Create|Put|Authorize|Attach|Associate|Add|Modify)/.test(c));

beforeEach(() => {
  cloud = new FakeSetupCloud();
  dir = mkdtempSync(join(tmpdir(), 'coalition-aws-setup-'));
  secrets = new MemorySecrets();
  bundle = join(dir, 'coalition.tar.gz');
  renderer = join(dir, 'guerilla_render_2.3_linux64.tar.gz');
  writeFileSync(bundle, 'bundle bytes');
  writeFileSync(renderer, 'renderer bytes');
});
afterEach(() => {
  cloud.restore();
  rmSync(dir, { recursive: true, force: true });
});

describe('AWS setup wizard', () => {
  it('sets up a farm from nothing, then a second run creates nothing', async () => {
    const first = await applyAll(wizardFor(), answers());
    for (const o of first) expect(o, o.id).toMatchObject({ ok: true });
    expect(cloud.calls).toEqual(expect.arrayContaining(['CreateVpc', 'CreateInternetGateway', 'CreateSubnet', 'CreateRouteTable', 'CreateRoute',
      'CreateSecurityGroup', 'AuthorizeSecurityGroupIngress', 'CreateBucket', 'PutPublicAccessBlock', 'PutBucketEncryption', 'PutObject',
      'CreateRole', 'PutRolePolicy', 'CreateInstanceProfile', 'AddRoleToInstanceProfile']));
    // Everything created carries the farm's tag.
    for (const r of cloud.resources.values()) expect(r.tags).toContainEqual({ Key: 'coalition:farm', Value: FARM });
    expect([...cloud.buckets.get('studio-farm7-renders')!.objects.keys()].sort()).toEqual(['srv/coalition.tar.gz', 'srv/guerilla_render_2.3_linux64.tar.gz']);
    expect(cloud.buckets.get('studio-farm7-renders')!.region).toBe('eu-west-3');

    cloud.calls.length = 0;
    const second = await applyAll(wizardFor(), answers());
    for (const o of second) expect(o, o.id).toMatchObject({ ok: true });
    expect(writes(cloud.calls)).toEqual([]);
    const plans = await Promise.all(wizardFor().steps.map((s) => s.plan(answers())));
    expect(plans.flat().filter((p) => p.action === 'create')).toEqual([]);
  });

  it('saves settings the provider reads (also as cloud_aws.ini), without any key', async () => {
    const iniPath = join(dir, 'cloud_aws.ini');
    await applyAll(wizardFor(), answers({ iniPath }));
    const text = readFileSync(iniPath, 'utf8');
    expect(text).toBe(readFileSync(join(dir, 'plugins', 'aws', 'cloud_aws.ini'), 'utf8'));
    expect(text).not.toContain('AKIA');
    expect(text).not.toContain('wJalrXUtnFEMI');
    const settings = parseCloudAwsIni(text);
    expect(settings).toMatchObject({
      region: 'eu-west-3', bucket: 'studio-farm7-renders', imageId: 'ami-0new', instanceTypes: ['c6i.large', 'c6a.large'],
      iamInstanceProfile: `coalition-worker-${FARM}`, workerBundle: 'srv/coalition.tar.gz', rendererArchive: 'srv/guerilla_render_2.3_linux64.tar.gz',
    });
    expect(settings.subnetIds[0]).toMatch(/^subnet-/);
    expect(settings.securityGroupIds[0]).toMatch(/^sg-/);
    // Credentials go to the secret store only.
    expect(secrets.values.get('secretAccessKey')).toBe('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    expect(readFileSync(join(dir, 'plugins', 'aws', 'setup-state.json'), 'utf8')).not.toContain('wJalrXUtnFEMI');
  });

  it('rejects bad keys without saving or echoing them', async () => {
    const [credentials] = wizardFor().steps;
    const outcome = await credentials.apply(answers({ accessKeyId: 'AKIAWRONGWRONGWRONG1', secretAccessKey: 'not-the-secret' }));
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toContain('InvalidClientTokenId');
    expect(outcome.message).not.toContain('not-the-secret');
    expect(secrets.values.size).toBe(0);
  });

  it('shows account and ARN, and plans to save the keys', async () => {
    const [credentials] = wizardFor().steps;
    expect(await credentials.check(answers())).toMatchObject({ ok: true, values: { accountId: '123456789012', callerArn: 'arn:aws:iam::123456789012:user/render-admin' } });
    expect(await credentials.plan(answers())).toEqual([expect.objectContaining({ action: 'update', resource: 'credentials' })]);
  });

  it('creates sg-coalition and sg-worker with the rules of the old documentation', async () => {
    await applyAll(wizardFor(), answers());
    const groups = [...cloud.resources.values()].filter((r) => r.type === 'sg');
    const byName = (n: string) => groups.find((g) => g.tags.some((t) => t.Key === 'Name' && t.Value === n))!;
    const server = byName('sg-coalition');
    const worker = byName('sg-worker');
    const perms = (g: typeof server) => (g.rules as Array<{ perm: { FromPort: number; UserIdGroupPairs?: Array<{ GroupId: string }>; IpRanges?: Array<{ CidrIp: string }> } }>).map((r) => r.perm);
    expect(perms(server).map((p) => [p.FromPort, p.UserIdGroupPairs?.[0]?.GroupId ?? p.IpRanges?.[0]?.CidrIp])).toEqual([[19211, worker.id], [19211, '203.0.113.7/32']]);
    expect(perms(worker).map((p) => [p.FromPort, p.UserIdGroupPairs?.[0]?.GroupId])).toEqual([[19211, server.id]]);
  });

  it('creates the bucket in us-east-1 without a location constraint', async () => {
    const wizard = wizardFor('us-east-1');
    await wizard.steps[0].apply(answers({ region: 'us-east-1' }));
    await wizard.steps[3].apply(answers({ region: 'us-east-1' }));
    expect(cloud.s3.commandCalls((await import('@aws-sdk/client-s3')).CreateBucketCommand)[0].args[0].input.CreateBucketConfiguration).toBeUndefined();
  });

  it('reuses the VPC and subnet the user gives, and the teardown leaves them alone', async () => {
    const mine = cloud.addVpcWithSubnet();
    const wizard = wizardFor();
    const outcomes = await applyAll(wizard, answers(mine));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(cloud.calls).not.toContain('CreateVpc');
    expect(cloud.calls).not.toContain('CreateSubnet');
    const result = await wizard.teardown();
    expect(result.ok).toBe(true);
    expect(cloud.resources.has(mine.vpcId)).toBe(true);
    expect(cloud.resources.has(mine.subnetId)).toBe(true);
  });

  it.each([
    ['CreateVpc', 'network', 'ec2:CreateVpc'],
    ['CreateSecurityGroup', 'security-groups', 'ec2:CreateSecurityGroup'],
    ['CreateBucket', 'bucket', 's3:CreateBucket'],
    ['PutBucketEncryption', 'bucket', 's3:PutEncryptionConfiguration'],
    ['CreateRole', 'iam', 'iam:CreateRole'],
    ['AddRoleToInstanceProfile', 'iam', 'iam:AddRoleToInstanceProfile'],
  ])('when AWS refuses %s, the %s step names %s', async (command, stepId, action) => {
    cloud.refuse.add(command);
    const outcomes = await applyAll(wizardFor(), answers());
    const failed = outcomes.find((o) => o.id === stepId)!;
    expect(failed).toMatchObject({ ok: false, missingPermission: action });
    expect(failed.message).toContain(action);
  });

  it('previews, then deletes in reverse order exactly what it created', async () => {
    const wizard = wizardFor();
    await applyAll(wizard, answers());
    cloud.buckets.set('someone-elses-bucket', { objects: new Map(), config: [] });
    const plan = await wizard.teardownPlan();
    expect(plan.every((p) => p.action === 'delete')).toBe(true);
    expect(plan.map((p) => p.resource)).toEqual([
      'settings-file', 'file', 'instance-profile-role', 'instance-profile', 'iam-role-policy', 'iam-role',
      's3-object', 's3-object', 'bucket', 'sg-rule', 'sg-rule', 'sg-rule', 'security-group', 'security-group',
      'route-table-association', 'route-table', 'subnet', 'igw-attachment', 'internet-gateway', 'vpc',
    ]);
    const result = await wizard.teardown();
    expect(result).toMatchObject({ ok: true });
    expect(cloud.resources.size).toBe(0);
    expect([...cloud.buckets.keys()]).toEqual(['someone-elses-bucket']);
    expect(cloud.roles.size + cloud.profiles.size).toBe(0);
    expect(existsSync(join(dir, 'plugins', 'aws', 'cloud_aws.ini'))).toBe(false);
    expect(existsSync(join(dir, 'plugins', 'aws', 'server-policy.json'))).toBe(false);
    expect(await wizard.teardownPlan()).toEqual([]);
  });

  it('keeps a bucket holding files it did not put there, and says so', async () => {
    const wizard = wizardFor();
    await applyAll(wizard, answers());
    cloud.buckets.get('studio-farm7-renders')!.objects.set('renders/shot010.exr', { metadata: {} });
    const result = await wizard.teardown();
    expect(result.ok).toBe(false);
    expect(result.message).toContain('bucket studio-farm7-renders');
    expect(cloud.buckets.get('studio-farm7-renders')!.objects.has('renders/shot010.exr')).toBe(true);
    expect(cloud.resources.size).toBe(0);
    expect((await wizard.teardownPlan()).map((p) => p.resource)).toEqual(['bucket']);
  });

  it('refuses to tear down while workers of the farm still run', async () => {
    const wizard = wizardFor();
    await applyAll(wizard, answers());
    cloud.liveInstances.push('i-0123456789abcdef0');
    const result = await wizard.teardown();
    expect(result.ok).toBe(false);
    expect(result.message).toContain('i-0123456789abcdef0');
    expect(cloud.calls).not.toContain('DeleteVpc');
  });

  it('names the missing permission when the teardown is refused', async () => {
    const wizard = wizardFor();
    await applyAll(wizard, answers());
    cloud.refuse.add('DeleteRole');
    const result = await wizard.teardown();
    expect(result).toMatchObject({ ok: false, missingPermission: 'iam:DeleteRole' });
  });
});
