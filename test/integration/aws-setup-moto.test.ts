/**
 * The guided setup and the teardown as a new user runs them (`coalition aws setup --yes`,
 * `coalition aws teardown --yes`, real processes), against moto's server: an AWS-compatible
 * endpoint the SDK reaches through AWS_ENDPOINT_URL. Every resource is compared before and
 * after, so "creates nothing" and "deletes exactly what it created" are checked on the cloud,
 * not on the setup's own bookkeeping.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateSubnetCommand, CreateVpcCommand, RunInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMoto, type Moto } from '../helpers/moto.ts';
import { inventory } from '../helpers/moto-inventory.ts';
import { killAll, removeDir, runCoalition, tempDir } from '../helpers/processes.ts';

let moto: Moto;
const dirs: string[] = [];

beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await killAll();
  await moto?.stop();
  for (const d of dirs) removeDir(d);
});

async function aws(args: string[], dataDir: string): Promise<{ code: number | string; output: string }> {
  const proc = runCoalition(['aws', ...args, '--data', dataDir], moto.env);
  const code = await proc.exited;
  return { code, output: proc.output() };
}

function farmDir(): string {
  const dir = tempDir('coalition-aws-setup-');
  dirs.push(dir);
  return dir;
}

const planLines = (output: string) => output.split('\n').filter((l) => /^ {2}(create|reuse|update|delete) /.test(l));

describe('guided AWS setup against moto', () => {
  it('applied twice: the second run plans only reuse, asks nothing, creates and uploads nothing', async () => {
    const data = farmDir();
    const iniCopy = join(data, 'elsewhere', 'cloud_aws.ini');
    const args = ['setup', '--yes', '--region', 'eu-west-3', '--office-cidr', '203.0.113.7', '--image-id', await moto.imageId(), '--ini-path', iniCopy];
    const first = await aws(args, data);
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain('uploaded srv/coalition.tar.gz');
    const settingsFile = join(data, 'plugins', 'aws', 'cloud_aws.ini');
    expect(readFileSync(settingsFile, 'utf8')).toContain('imageid = ami-');
    const cloudAfterFirst = await inventory(moto);
    const filesAfterFirst = [settingsFile, iniCopy].map((f) => statSync(f).mtimeMs);

    const second = await aws(args, data);
    expect(second.code, second.output).toBe(0);
    const plans = planLines(second.output);
    expect(plans.length).toBeGreaterThan(10);
    expect(plans.filter((l) => !l.startsWith('  reuse '))).toEqual([]);
    expect(second.output).toMatch(/s3-object s3:\/\/\S+\/srv\/coalition\.tar\.gz — unchanged/);
    expect(second.output).toContain('nothing uploaded');
    expect(second.output).toContain('Settings unchanged');
    expect(await inventory(moto)).toEqual(cloudAfterFirst);
    expect([settingsFile, iniCopy].map((f) => statSync(f).mtimeMs)).toEqual(filesAfterFirst);
  });

  it('names --image-id when it finds no Debian image (moto has none)', async () => {
    const data = farmDir();
    const run = await aws(['setup', '--yes', '--only', 'settings', '--region', 'eu-west-3'], data);
    expect(run.code).toBe(1);
    expect(run.output).toContain('no Debian 12 image found in eu-west-3; give an AMI id with --image-id');
  });
});

describe('teardown against moto', () => {
  it('removes exactly what the setup created: keeps a reused VPC and a bucket holding user files, handles a stopped instance, removes the files it wrote', async () => {
    const { Vpc } = await moto.ec2.send(new CreateVpcCommand({ CidrBlock: '10.77.0.0/16' }));
    const { Subnet } = await moto.ec2.send(new CreateSubnetCommand({ VpcId: Vpc!.VpcId!, CidrBlock: '10.77.1.0/24' }));
    const data = farmDir();
    // A cloud_aws.ini of the user's at --ini-path is overwritten but is not the setup's to delete.
    const userIni = join(data, 'user', 'cloud_aws.ini');
    mkdirSync(join(data, 'user'));
    writeFileSync(userIni, '[worker]\ninstancetype = m5.large\n');
    const newIni = join(data, 'new', 'cloud_aws.ini');
    const before = await inventory(moto);

    const common = ['setup', '--yes', '--region', 'eu-west-3', '--office-cidr', '203.0.113.7', '--image-id', await moto.imageId(), '--vpc-id', Vpc!.VpcId!, '--subnet-id', Subnet!.SubnetId!];
    expect((await aws([...common, '--ini-path', userIni], data)).code).toBe(0);
    expect((await aws([...common, '--ini-path', newIni, '--only', 'settings'], data)).code).toBe(0);
    const setup = await inventory(moto);
    const bucket = setup.buckets.find((b) => !before.buckets.includes(b))!;
    await moto.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'renders/shot010.exr', Body: 'pixels' }));
    const policyFile = join(data, 'plugins', 'aws', 'server-policy.json');
    expect(existsSync(policyFile)).toBe(true);

    // A worker of the farm that someone stopped: teardown terminates it instead of failing on the groups it holds.
    const farmId = readFileSync(join(data, 'farm-id'), 'utf8').trim();
    const tags = [{ ResourceType: 'instance' as const, Tags: [{ Key: 'coalition:farm', Value: farmId }] }];
    const { Instances } = await moto.ec2.send(new RunInstancesCommand({ ImageId: await moto.imageId(), MinCount: 1, MaxCount: 1, InstanceType: 't3.micro', SubnetId: Subnet!.SubnetId!, TagSpecifications: tags }));
    await moto.ec2.send(new StopInstancesCommand({ InstanceIds: [Instances![0].InstanceId!] }));

    const down = await aws(['teardown', '--yes'], data);
    expect(down.code).toBe(1); // the bucket is kept, and said so
    expect(down.output).toMatch(/Kept 1: bucket \S+: it holds files the wizard did not put there/);
    // The warning keeps its details (what, which, why).
    expect(down.output).toMatch(/warning: teardown could not delete a resource \(kind=bucket id=\S+ err=.+\)/);
    const after = await inventory(moto);
    expect(after).toEqual({
      ...before,
      buckets: [...before.buckets, bucket].sort(),
      objects: [...before.objects, ...after.objects.filter((o) => o.startsWith(`${bucket}/renders/shot010.exr `))].sort(),
    });
    expect(after.objects.filter((o) => o.startsWith(`${bucket}/`))).toHaveLength(1);
    expect(after.vpcs).toContain(Vpc!.VpcId);
    expect(existsSync(policyFile)).toBe(false);
    expect(existsSync(newIni)).toBe(false);
    expect(existsSync(join(data, 'plugins', 'aws', 'cloud_aws.ini'))).toBe(false);
    expect(existsSync(userIni)).toBe(true);
  });

  it('refuses while an instance of the farm runs, and deletes nothing', async () => {
    const data = farmDir();
    expect((await aws(['setup', '--yes', '--region', 'eu-west-3', '--office-cidr', '203.0.113.7', '--image-id', await moto.imageId()], data)).code).toBe(0);
    const farmId = readFileSync(join(data, 'farm-id'), 'utf8').trim();
    await moto.ec2.send(new RunInstancesCommand({
      ImageId: await moto.imageId(), MinCount: 1, MaxCount: 1, InstanceType: 't3.micro',
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'coalition:farm', Value: farmId }] }],
    }));
    const before = await inventory(moto);
    const down = await aws(['teardown', '--yes'], data);
    expect(down.code).toBe(1);
    expect(down.output).toMatch(/1 instance\(s\) of this farm still run \(i-\w+\): stop the scaler and terminate them first/);
    expect(await inventory(moto)).toEqual(before);
  });
});
