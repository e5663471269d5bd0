import { createHash } from 'node:crypto';
import {
  DescribeInstancesCommand, RunInstancesCommand, TerminateInstancesCommand,
  type EC2Client, type Instance, type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import type { PricingClient } from '@aws-sdk/client-pricing';
import {
  isLoopbackUrl, ProviderError,
  type CloudProvider, type InstanceState, type InstanceTypeOffer, type LaunchRequest, type LaunchResult, type Market,
  type BootFailureCause, type MissingPrice, type PluginLogger, type PriceQuote, type ProviderErrorCode, type ProviderInstance, type TerminateResult,
} from '../../core/plugin-api.ts';
import { awsErrorCode, awsErrorMessage, hasCode, sendAs, toProviderError, withBackoff, type BackoffOptions } from './aws-errors.ts';
import type { AwsSettings } from './aws-settings.ts';
import { FARM_TAG, launchData, launchOnFleet, WORKER_TAG } from './ec2-launch.ts';
import { awsBootFailureCauses } from './boot-causes.ts';
import { PriceBook } from './prices.ts';
import { encodeUserData, loadUserDataTemplate, renderWorkerUserData } from './user-data.ts';

export { FARM_TAG, WORKER_TAG } from './ec2-launch.ts';

export interface Ec2ProviderDeps {
  ec2: EC2Client;
  pricing?: PricingClient;
  settings: AwsSettings;
  farmId: string;
  logger: PluginLogger;
  /** The user-data template text; read from `templates/` at each launch when absent. */
  template?: string;
  now?: () => number;
  backoff?: BackoffOptions;
}

const stateMap: Record<string, InstanceState> = {
  pending: 'pending',
  running: 'running',
  'shutting-down': 'stopping',
  // Workers are started with shutdown behaviour "terminate": one stopped (by hand, or a spot
  // pool that stops) serves nobody but still costs its volumes, and stays until terminated.
  stopping: 'stopped',
  stopped: 'stopped',
  terminated: 'terminated',
};

// Errors that will fail the same way for the rest of the request: stop calling AWS.
const stopCodes: ProviderErrorCode[] = ['capacity', 'quota', 'price', 'auth', 'invalid'];

/** The EC2 provider: on-demand and spot workers tagged with the farm's id. */
export class Ec2Provider implements CloudProvider {
  readonly name = 'aws';
  private readonly prices_: PriceBook;
  private readonly now: () => number;

  constructor(private readonly deps: Ec2ProviderDeps) {
    this.now = deps.now ?? Date.now;
    this.prices_ = new PriceBook({ ec2: deps.ec2, pricing: deps.pricing, settings: deps.settings, logger: deps.logger, now: this.now, backoff: deps.backoff });
  }

  async offers(): Promise<InstanceTypeOffer[]> {
    const s = this.deps.settings;
    return s.instanceTypes.map((name) => ({
      name,
      slots: s.slots[name] ?? 1,
      affinities: s.affinities[name] ?? s.defaultAffinities,
      bootSeconds: s.bootSeconds,
      markets: (s.spot ? ['spot', 'on-demand'] : ['on-demand']) as Market[],
    }));
  }

  /** Closes the SDK clients' connections when the plugin is deactivated. */
  dispose(): void {
    this.deps.ec2.destroy();
    this.deps.pricing?.destroy();
  }

  prices(): Promise<PriceQuote[]> {
    return this.prices_.quotes();
  }

  missingPrices(): MissingPrice[] {
    return this.prices_.missing();
  }

  bootFailureCauses({ serverUrl, instanceIds }: { serverUrl: string; instanceIds: string[] }): BootFailureCause[] {
    return awsBootFailureCauses(this.deps.settings, serverUrl, instanceIds);
  }

  async list(farmId: string): Promise<ProviderInstance[]> {
    const out: ProviderInstance[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.send('ec2:DescribeInstances', () => this.deps.ec2.send(new DescribeInstancesCommand({
        Filters: [{ Name: `tag:${FARM_TAG}`, Values: [farmId] }],
        MaxResults: 1000,
        NextToken,
      })));
      for (const reservation of page.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) {
          const mapped = this.toProviderInstance(instance);
          if (mapped) out.push(mapped);
        }
      }
      NextToken = page.NextToken || undefined;
    } while (NextToken);
    return out;
  }

  async launch(request: LaunchRequest): Promise<LaunchResult> {
    const result: LaunchResult = { started: [], failed: [] };
    const s = this.deps.settings;
    const failAll = (error: ProviderError, from = 0) => {
      for (const item of request.instances.slice(from)) result.failed.push({ workerName: item.workerName, error });
      return result;
    };
    if (request.market === 'spot' && !s.spot) return failAll(new ProviderError('invalid', 'spot is turned off in the AWS settings (spot = false)'));
    if (!s.imageId) return failAll(new ProviderError('invalid', 'no AMI: set imageid in cloud_aws.ini, or run `npm run cli -- aws setup --image-id ami-…`'));
    const serverUrl = s.serverUrl || request.serverUrl;
    if (isLoopbackUrl(serverUrl)) {
      return failAll(new ProviderError('invalid', `workers on EC2 cannot reach the server at ${serverUrl}: set serverurl (or [coalition] ip) in the AWS settings, or publicurl in [server]`));
    }
    let template: string;
    try {
      template = this.deps.template ?? loadUserDataTemplate(s);
    } catch (err) {
      return failAll(new ProviderError('invalid', `user-data template unreadable: ${awsErrorMessage(err)}`));
    }
    const useFleet = request.market === 'spot' && s.fleetTypes.length > 1 && s.fleetTypes.includes(request.instanceType);

    for (let i = 0; i < request.instances.length; i++) {
      const item = request.instances[i];
      const tags = this.tagsFor(request, item.workerName);
      let userData: string;
      try {
        userData = encodeUserData(renderWorkerUserData(template, s, {
          // An explicit serverurl (or the old [coalition] ip/port) wins: it is the address workers can reach.
          serverUrl,
          workerName: item.workerName,
          workerToken: item.workerToken,
          farmId: tags[FARM_TAG],
        }));
      } catch (err) {
        // A template or settings problem: every instance would get the same broken bootstrap.
        return failAll(new ProviderError('invalid', awsErrorMessage(err)), i);
      }
      try {
        const started = useFleet
          ? await launchOnFleet({ ec2: this.deps.ec2, settings: s, backoff: this.deps.backoff, logger: this.deps.logger, now: this.now }, request, item.workerName, clientToken(item.clientToken), userData, tags)
          : await this.launchOne(request, i, clientToken(item.clientToken), userData, tags);
        result.started.push(started);
      } catch (err) {
        const error = toProviderError(err, useFleet ? 'ec2:CreateFleet' : 'ec2:RunInstances');
        result.failed.push({ workerName: item.workerName, error });
        if (stopCodes.includes(error.code)) return failAll(error, i + 1);
      }
    }
    return result;
  }

  async terminate(ids: string[]): Promise<TerminateResult> {
    const result: TerminateResult = { terminated: [], failed: [] };
    let remaining = [...new Set(ids)];
    while (remaining.length > 0) {
      try {
        await withBackoff(() => this.deps.ec2.send(new TerminateInstancesCommand({ InstanceIds: remaining })), this.deps.backoff);
        result.terminated.push(...remaining);
        return result;
      } catch (err) {
        if (!hasCode(err, 'InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed')) {
          const error = toProviderError(err, 'ec2:TerminateInstances');
          for (const id of remaining) result.failed.push({ id, error });
          return result;
        }
        // One unknown id fails the whole call. An id EC2 does not know (or that cannot be an
        // instance id at all) is not running anything: it counts as terminated.
        let gone = remaining.filter((id) => awsErrorMessage(err).includes(id));
        if (gone.length === 0) {
          if (remaining.length > 1) return this.terminateOneByOne(remaining, result);
          gone = remaining;
        }
        this.deps.logger.debug({ ids: gone, code: awsErrorCode(err) }, 'instances unknown to EC2 count as terminated');
        result.terminated.push(...gone);
        remaining = remaining.filter((id) => !gone.includes(id));
      }
    }
    return result;
  }

  private async terminateOneByOne(ids: string[], result: TerminateResult): Promise<TerminateResult> {
    for (const id of ids) {
      const one = await this.terminate([id]);
      result.terminated.push(...one.terminated);
      result.failed.push(...one.failed);
    }
    return result;
  }

  private tagsFor(request: LaunchRequest, workerName: string): Record<string, string> {
    return {
      ...request.tags,
      [FARM_TAG]: request.tags[FARM_TAG] ?? this.deps.farmId,
      // The scaler may already name workers with the prefix: never "cloud-cloud-…".
      Name: workerName.startsWith(this.deps.settings.namePrefix) ? workerName : `${this.deps.settings.namePrefix}${workerName}`,
      [WORKER_TAG]: workerName,
    };
  }

  private async launchOne(request: LaunchRequest, index: number, token: string, userData: string, tags: Record<string, string>): Promise<ProviderInstance> {
    const s = this.deps.settings;
    const subnet = s.subnetIds.length > 0 ? s.subnetIds[index % s.subnetIds.length] : undefined;
    const input: RunInstancesCommandInput = {
      ...launchData(this.deps.settings, userData, tags),
      InstanceType: request.instanceType as never,
      MinCount: 1,
      MaxCount: 1,
      ClientToken: token,
      ...(subnet ? { SubnetId: subnet } : s.availabilityZone ? { Placement: { AvailabilityZone: s.availabilityZone } } : {}),
      ...(request.market === 'spot' ? {
        InstanceMarketOptions: {
          MarketType: 'spot',
          SpotOptions: {
            SpotInstanceType: 'one-time',
            InstanceInterruptionBehavior: 'terminate',
            ...(s.spotMaxPrice ? { MaxPrice: s.spotMaxPrice } : {}),
          },
        },
      } : {}),
    };
    const res = await this.send('ec2:RunInstances', () => this.deps.ec2.send(new RunInstancesCommand(input)));
    const instance = res.Instances?.[0];
    if (!instance?.InstanceId) throw new ProviderError('unknown', 'RunInstances returned no instance');
    return this.toProviderInstance(instance, { market: request.market, tags })!;
  }

  private toProviderInstance(instance: Instance, known?: { market: Market; tags: Record<string, string> }): ProviderInstance | undefined {
    const stateName = instance.State?.Name ?? 'pending';
    const state = stateMap[stateName];
    if (!state) {
      this.deps.logger.info({ instanceId: instance.InstanceId, state: stateName }, 'skipping instance in a state the provider does not know');
      return undefined;
    }
    const tags: Record<string, string> = { ...known?.tags };
    for (const t of instance.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
    return {
      id: instance.InstanceId ?? '',
      state,
      instanceType: instance.InstanceType ?? '',
      market: known?.market ?? (instance.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand'),
      workerName: tags[WORKER_TAG] ?? '',
      launchedAt: instance.LaunchTime ? new Date(instance.LaunchTime).getTime() : this.now(),
      tags,
    };
  }

  private send<T>(action: string, call: () => Promise<T>): Promise<T> {
    return sendAs(action, call, this.deps.backoff);
  }
}

/** EC2 client tokens are at most 64 ASCII characters. */
export function clientToken(token: string): string {
  return /^[\x21-\x7e]{1,64}$/.test(token) ? token : createHash('sha256').update(token).digest('hex');
}
