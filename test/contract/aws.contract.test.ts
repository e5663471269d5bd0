import { PricingClient } from '@aws-sdk/client-pricing';
import { mockClient } from 'aws-sdk-client-mock';
import { Ec2Provider } from '../../plugins/aws/ec2-provider.ts';
import { defaultAwsSettings } from '../../plugins/aws/aws-settings.ts';
import { FakeEc2 } from '../unit/aws-fake-ec2.ts';
import { runProviderContract } from './provider-contract.ts';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

// The EC2 provider against an in-memory EC2 behind aws-sdk-client-mock; the same suite runs against
// moto's server in aws-moto.contract.test.ts. This one adds the unknown-state case moto cannot produce.
runProviderContract('aws (in-memory EC2 behind aws-sdk-client-mock)', async ({ capacity }) => {
  const ec2 = new FakeEc2();
  ec2.capacity = capacity ?? Infinity;
  ec2.spotPrices = { 'c6i.large': 0.034 };
  const pricing = mockClient(PricingClient);
  const farmId = `farm-${process.pid}-${Date.now()}`;
  const provider = new Ec2Provider({
    ec2: ec2.client,
    pricing: new PricingClient({ region: 'us-east-1' }),
    farmId,
    logger: silent,
    settings: {
      ...defaultAwsSettings,
      region: 'eu-west-3',
      bucket: 'coalition-contract',
      imageId: 'ami-0123456789abcdef0',
      instanceTypes: ['c6i.large'],
      onDemandPrices: { 'c6i.large': 0.085 },
      subnetIds: ['subnet-0a1b2c3d'],
      securityGroupIds: ['sg-0a1b2c3d'],
      iamInstanceProfile: 'coalition-worker',
    },
  });
  return {
    provider,
    farmId,
    serverUrl: 'http://10.0.0.5:19211', // only rendered into user-data: EC2 here is in memory
    cleanup: async () => {
      ec2.restore();
      pricing.restore();
    },
    injectUnknownState: async () => ec2.add('c6i.large', false, [{ Key: 'coalition:farm', Value: farmId }], undefined, 'hibernating').InstanceId!,
  };
});
