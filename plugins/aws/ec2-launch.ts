import { createHash } from 'node:crypto';
import {
  CreateFleetCommand, CreateLaunchTemplateCommand, DeleteLaunchTemplateCommand,
  type CreateFleetError, type EC2Client, type RequestLaunchTemplateData, type Tag,
} from '@aws-sdk/client-ec2';
import { ProviderError, type LaunchRequest, type PluginLogger, type ProviderErrorCode, type ProviderInstance } from '../../core/plugin-api.ts';
import { awsErrorMessage, providerCodeOf, sendAs, type BackoffOptions } from './aws-errors.ts';
import type { AwsSettings } from './aws-settings.ts';

import { FARM_TAG } from '../../core/plugin-api.ts';

export { FARM_TAG };
export const WORKER_TAG = 'coalition:worker';

// When a fleet reports several pools failing, the most actionable reason first.
const errorRank: ProviderErrorCode[] = ['auth', 'invalid', 'quota', 'price', 'capacity', 'throttled', 'unknown'];

export interface FleetDeps {
  ec2: EC2Client;
  settings: AwsSettings;
  logger: PluginLogger;
  now: () => number;
  backoff?: BackoffOptions;
}

/** What RunInstances and a fleet launch template share: image, role, network, IMDSv2, tags, user-data. */
export function launchData(s: AwsSettings, userData: string, tags: Record<string, string>) {
  const tagList: Tag[] = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  return {
    ImageId: s.imageId,
    ...(s.keyName ? { KeyName: s.keyName } : {}),
    ...(s.iamInstanceProfile ? { IamInstanceProfile: s.iamInstanceProfile.startsWith('arn:') ? { Arn: s.iamInstanceProfile } : { Name: s.iamInstanceProfile } } : {}),
    ...(s.securityGroupIds.length > 0 ? { SecurityGroupIds: s.securityGroupIds } : {}),
    MetadataOptions: { HttpTokens: 'required' as const, HttpEndpoint: 'enabled' as const },
    InstanceInitiatedShutdownBehavior: 'terminate' as const,
    UserData: userData,
    TagSpecifications: [
      { ResourceType: 'instance' as const, Tags: tagList },
      { ResourceType: 'volume' as const, Tags: tagList },
    ],
  };
}

/**
 * Spot over several interchangeable types: an instant CreateFleet, price-capacity-optimized.
 * CreateFleet takes its settings from a launch template only, and each worker has its own
 * user-data (its token), so each worker gets a short-lived template deleted right after.
 */
export async function launchOnFleet(deps: FleetDeps, request: LaunchRequest, workerName: string, token: string, userData: string, tags: Record<string, string>): Promise<ProviderInstance> {
  const s = deps.settings;
  const farmTags = [{ Key: FARM_TAG, Value: tags[FARM_TAG] }];
  const { TagSpecifications, ...data } = launchData(s, userData, tags);
  const launchTemplateData: RequestLaunchTemplateData = { ...data, TagSpecifications };
  const lt = await sendAs('ec2:CreateLaunchTemplate', () => deps.ec2.send(new CreateLaunchTemplateCommand({
    LaunchTemplateName: launchTemplateName(tags[FARM_TAG], workerName, token),
    ClientToken: token,
    LaunchTemplateData: launchTemplateData,
    TagSpecifications: [{ ResourceType: 'launch-template', Tags: farmTags }],
  })), deps.backoff);
  const templateId = lt.LaunchTemplate?.LaunchTemplateId;
  if (!templateId) throw new ProviderError('unknown', 'CreateLaunchTemplate returned no id');
  try {
    const subnets: Array<string | undefined> = s.subnetIds.length > 0 ? s.subnetIds : [undefined];
    const overrides = s.fleetTypes.flatMap((type) => subnets.map((subnet) => ({
      InstanceType: type as never,
      ...(subnet ? { SubnetId: subnet } : s.availabilityZone ? { AvailabilityZone: s.availabilityZone } : {}),
      ...(s.spotMaxPrice ? { MaxPrice: s.spotMaxPrice } : {}),
    })));
    const res = await sendAs('ec2:CreateFleet', () => deps.ec2.send(new CreateFleetCommand({
      Type: 'instant',
      ClientToken: token,
      TargetCapacitySpecification: { TotalTargetCapacity: 1, DefaultTargetCapacityType: 'spot' },
      SpotOptions: { AllocationStrategy: 'price-capacity-optimized', InstanceInterruptionBehavior: 'terminate' },
      LaunchTemplateConfigs: [{ LaunchTemplateSpecification: { LaunchTemplateId: templateId, Version: '$Latest' }, Overrides: overrides }],
      TagSpecifications: [{ ResourceType: 'fleet', Tags: farmTags }],
    })), deps.backoff);
    const launched = (res.Instances ?? []).find((i) => (i.InstanceIds ?? []).length > 0);
    if (launched) {
      return {
        id: launched.InstanceIds![0],
        state: 'pending',
        instanceType: launched.InstanceType ?? request.instanceType,
        market: 'spot',
        workerName,
        launchedAt: deps.now(),
        tags,
      };
    }
    throw fleetError(res.Errors ?? []);
  } finally {
    try {
      await sendAs('ec2:DeleteLaunchTemplate', () => deps.ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: templateId })), deps.backoff);
    } catch (err) {
      deps.logger.warn({ launchTemplateId: templateId, err: awsErrorMessage(err) }, 'could not delete the launch template used for a spot fleet');
    }
  }
}

/** The reason an instant fleet started nothing, from its per-pool errors. */
export function fleetError(errors: CreateFleetError[]): ProviderError {
  if (errors.length === 0) return new ProviderError('capacity', 'the fleet started no instance and gave no reason');
  const ranked = [...errors].sort((a, b) => errorRank.indexOf(providerCodeOf(a.ErrorCode)) - errorRank.indexOf(providerCodeOf(b.ErrorCode)));
  const first = ranked[0];
  const pools = errors.map((e) => `${e.LaunchTemplateAndOverrides?.Overrides?.InstanceType ?? '?'}${e.LaunchTemplateAndOverrides?.Overrides?.SubnetId ? `/${e.LaunchTemplateAndOverrides.Overrides.SubnetId}` : ''}: ${e.ErrorCode}`);
  return new ProviderError(providerCodeOf(first.ErrorCode), `${first.ErrorMessage ?? first.ErrorCode} (pools: ${pools.join('; ')})`, first.ErrorCode);
}

function launchTemplateName(farmId: string, workerName: string, token: string): string {
  const clean = (s: string) => s.replace(/[^a-zA-Z0-9().\-/_]/g, '_');
  const suffix = createHash('sha256').update(token).digest('hex').slice(0, 8);
  return `coalition-${clean(farmId)}-${clean(workerName)}`.slice(0, 118) + `-${suffix}`;
}
