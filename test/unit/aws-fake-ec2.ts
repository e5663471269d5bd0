/**
 * A small stateful in-memory EC2 behind aws-sdk-client-mock, for the AWS plugin's unit tests of
 * what moto's server cannot produce: capacity (InsufficientInstanceCapacity, per-pool fleet
 * errors), quota (VcpuLimitExceeded…) and throttling (RequestLimitExceeded) errors, ClientToken
 * idempotency (moto starts a second instance for a repeated token), and CreateFleet answers.
 * Everything moto can do is also tested against it (test/contract/aws-moto.contract.test.ts,
 * test/integration/aws-*.test.ts).
 */
import {
  CreateFleetCommand, CreateLaunchTemplateCommand, DeleteLaunchTemplateCommand, DescribeInstancesCommand,
  DescribeSpotPriceHistoryCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand,
  type CreateFleetCommandInput, type CreateFleetError, type Instance, type RequestLaunchTemplateData, type RunInstancesCommandInput, type Tag,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';

export function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: {} });
}

export class FakeEc2 {
  readonly mock = mockClient(EC2Client);
  readonly client = new EC2Client({ region: 'eu-west-3', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  readonly instances = new Map<string, Instance>();
  readonly launchTemplates = new Map<string, RequestLaunchTemplateData>();
  readonly userData = new Map<string, string>();
  /** Errors the next calls of a command throw, in order. */
  readonly failures = new Map<string, Error[]>();
  /** Per-pool errors CreateFleet reports; a pool (type) listed here starts nothing. */
  fleetPoolErrors = new Map<string, CreateFleetError>();
  pageSize = 1000;
  /** At most this many live (pending/running) instances; more fail with InsufficientInstanceCapacity. */
  capacity = Infinity;
  /** Spot prices DescribeSpotPriceHistory returns, per instance type. */
  spotPrices: Record<string, number> = {};
  private nextId = 1;
  private readonly tokens = new Map<string, string>();
  now = () => new Date('2026-01-01T00:00:00Z');

  constructor() {
    this.mock.on(RunInstancesCommand).callsFake((input: RunInstancesCommandInput) => {
      this.maybeFail('RunInstances');
      const known = input.ClientToken ? this.tokens.get(input.ClientToken) : undefined;
      if (known) return { Instances: [this.instances.get(known)!] };
      this.checkCapacity();
      const instance = this.add(input.InstanceType ?? 't3.micro', input.InstanceMarketOptions?.MarketType === 'spot', input.TagSpecifications?.find((t) => t.ResourceType === 'instance')?.Tags ?? [], input.UserData);
      if (input.ClientToken) this.tokens.set(input.ClientToken, instance.InstanceId!);
      return { Instances: [instance] };
    });
    this.mock.on(CreateLaunchTemplateCommand).callsFake((input) => {
      this.maybeFail('CreateLaunchTemplate');
      const id = `lt-${String(this.nextId++).padStart(17, '0')}`;
      this.launchTemplates.set(id, input.LaunchTemplateData ?? {});
      return { LaunchTemplate: { LaunchTemplateId: id, LaunchTemplateName: input.LaunchTemplateName } };
    });
    this.mock.on(DeleteLaunchTemplateCommand).callsFake((input) => {
      this.launchTemplates.delete(input.LaunchTemplateId);
      return { LaunchTemplate: { LaunchTemplateId: input.LaunchTemplateId } };
    });
    this.mock.on(CreateFleetCommand).callsFake((input: CreateFleetCommandInput) => {
      this.maybeFail('CreateFleet');
      const config = input.LaunchTemplateConfigs?.[0];
      const data = this.launchTemplates.get(config?.LaunchTemplateSpecification?.LaunchTemplateId ?? '');
      if (!data) throw awsError('InvalidLaunchTemplateId.NotFound');
      const errors: CreateFleetError[] = [];
      for (const o of config?.Overrides ?? []) {
        const poolError = this.fleetPoolErrors.get(String(o.InstanceType));
        if (poolError) {
          errors.push({ ...poolError, LaunchTemplateAndOverrides: { Overrides: o }, Lifecycle: 'spot' });
          continue;
        }
        if (this.live().length >= this.capacity) {
          errors.push({ ErrorCode: 'InsufficientInstanceCapacity', ErrorMessage: 'no capacity in this pool', LaunchTemplateAndOverrides: { Overrides: o }, Lifecycle: 'spot' });
          continue;
        }
        const tags = data.TagSpecifications?.find((t) => t.ResourceType === 'instance')?.Tags ?? [];
        const instance = this.add(String(o.InstanceType), true, tags, data.UserData);
        return { FleetId: 'fleet-1', Errors: errors, Instances: [{ InstanceIds: [instance.InstanceId!], InstanceType: o.InstanceType, Lifecycle: 'spot' }] };
      }
      return { FleetId: 'fleet-1', Errors: errors, Instances: [] };
    });
    this.mock.on(DescribeInstancesCommand).callsFake((input) => {
      this.maybeFail('DescribeInstances');
      const matching = [...this.instances.values()].filter((i) => (input.Filters ?? []).every((f: { Name?: string; Values?: string[] }) => {
        if (!f.Name?.startsWith('tag:')) return true;
        const key = f.Name.slice(4);
        return (i.Tags ?? []).some((t) => t.Key === key && (f.Values ?? []).includes(t.Value ?? ''));
      }));
      const start = Number(input.NextToken ?? 0);
      const page = matching.slice(start, start + this.pageSize);
      const next = start + this.pageSize < matching.length ? String(start + this.pageSize) : undefined;
      return { Reservations: page.map((i) => ({ Instances: [i] })), NextToken: next };
    });
    this.mock.on(TerminateInstancesCommand).callsFake((input) => {
      this.maybeFail('TerminateInstances');
      const ids: string[] = input.InstanceIds ?? [];
      const malformed = ids.find((id) => !/^i-[0-9a-f]{8,17}$/.test(id));
      if (malformed) throw awsError('InvalidInstanceID.Malformed', `Invalid id: "${malformed}"`);
      const missing = ids.filter((id) => !this.instances.has(id));
      if (missing.length === 1) throw awsError('InvalidInstanceID.NotFound', `The instance ID '${missing[0]}' does not exist`);
      if (missing.length > 1) throw awsError('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
      return {
        TerminatingInstances: ids.map((id) => {
          const instance = this.instances.get(id)!;
          const previous = instance.State?.Name;
          instance.State = { Name: 'terminated', Code: 48 };
          return { InstanceId: id, PreviousState: { Name: previous }, CurrentState: { Name: 'shutting-down', Code: 32 } };
        }),
      };
    });
    this.mock.on(DescribeSpotPriceHistoryCommand).callsFake((input) => ({
      SpotPriceHistory: Object.entries(this.spotPrices)
        .filter(([type]) => (input.InstanceTypes ?? []).includes(type))
        .map(([type, price]) => ({ InstanceType: type, AvailabilityZone: 'eu-west-3a', ProductDescription: 'Linux/UNIX', SpotPrice: String(price), Timestamp: this.now() })),
    }));
  }

  /** Throws `error` the next time `command` (e.g. `RunInstances`) is called. */
  failNext(command: string, error: Error): void {
    const list = this.failures.get(command) ?? [];
    list.push(error);
    this.failures.set(command, list);
  }

  add(type: string, spot: boolean, tags: Tag[], userData?: string, state = 'pending'): Instance {
    const id = `i-${(this.nextId++).toString(16).padStart(17, '0')}`;
    const instance: Instance = {
      InstanceId: id,
      InstanceType: type as never,
      State: { Name: state as never },
      LaunchTime: this.now(),
      Tags: tags.map((t) => ({ ...t })),
      ...(spot ? { InstanceLifecycle: 'spot' as const } : {}),
    };
    this.instances.set(id, instance);
    if (userData) this.userData.set(id, Buffer.from(userData, 'base64').toString('utf8'));
    return instance;
  }

  live(): Instance[] {
    return [...this.instances.values()].filter((i) => i.State?.Name === 'pending' || i.State?.Name === 'running');
  }

  private checkCapacity(): void {
    if (this.live().length >= this.capacity) throw awsError('InsufficientInstanceCapacity', 'We currently do not have sufficient capacity in the Availability Zone you requested.');
  }

  private maybeFail(command: string): void {
    const list = this.failures.get(command);
    const error = list?.shift();
    if (error) throw error;
  }

  restore(): void {
    this.mock.restore();
  }
}
