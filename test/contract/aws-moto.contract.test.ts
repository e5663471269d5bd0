import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateInstanceProfileCommand } from '@aws-sdk/client-iam';
import { afterAll } from 'vitest';
import { defaultAwsSettings } from '../../plugins/aws/aws-settings.ts';
import { Ec2Provider } from '../../plugins/aws/ec2-provider.ts';
import { MOTO_REGION, startMoto, type Moto } from '../helpers/moto.ts';
import { awsError } from '../unit/aws-fake-ec2.ts';
import { runProviderContract } from './provider-contract.ts';

const silent = { info() {}, warn() {}, error() {}, debug() {} };
let moto: Promise<Moto> | undefined;

/** moto checks that the instance profile exists (as EC2 does): the suite makes the one it names. */
async function motoWithProfile(): Promise<Moto> {
  const m = await startMoto();
  await m.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'coalition-worker' }));
  return m;
}
afterAll(async () => (await moto)?.stop());

/**
 * moto has no capacity limits: for the partial-success case, RunInstances beyond `capacity` live
 * instances of the farm fails here, at the SDK boundary, with the error EC2 gives
 * (InsufficientInstanceCapacity). Everything else is moto's own answers.
 */
function limitCapacity(ec2: EC2Client, farmId: string, capacity: number): void {
  ec2.middlewareStack.add((next, context) => async (args) => {
    if (context.commandName === 'RunInstancesCommand') {
      const res = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:coalition:farm', Values: [farmId] }, { Name: 'instance-state-name', Values: ['pending', 'running'] }] }));
      const live = (res.Reservations ?? []).flatMap((r) => r.Instances ?? []).length;
      if (live >= capacity) throw awsError('InsufficientInstanceCapacity', 'We currently do not have sufficient t3.micro capacity in the Availability Zone you requested.');
    }
    return next(args);
  }, { step: 'initialize', name: 'contractCapacity' });
}

// The EC2 provider against moto's server (a real AWS-compatible endpoint over HTTP).
runProviderContract("aws (moto's server)", async ({ capacity }) => {
  const m = await (moto ??= motoWithProfile());
  const farmId = `farm-${process.pid}-${Date.now()}`;
  const ec2 = new EC2Client({ region: MOTO_REGION, endpoint: m.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  if (capacity !== undefined) limitCapacity(ec2, farmId, capacity);
  const provider = new Ec2Provider({
    ec2,
    farmId,
    logger: silent,
    settings: {
      ...defaultAwsSettings,
      region: MOTO_REGION,
      bucket: 'coalition-contract',
      imageId: await m.imageId(),
      instanceTypes: ['t3.micro'],
      onDemandPrices: { 't3.micro': 0.0118 },
      spot: false,
      iamInstanceProfile: 'coalition-worker',
    },
  });
  return {
    provider,
    farmId,
    // Rendered into the user-data only; nobody boots a worker in this suite.
    serverUrl: 'http://10.0.0.5:19211',
    cleanup: async () => ec2.destroy(),
  };
});
