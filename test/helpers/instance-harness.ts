/**
 * Plays the EC2 instances the server launches in moto: for each running instance of the farm
 * it reads the user-data back from the endpoint (DescribeInstanceAttribute userData), takes the
 * server URL, worker name and per-instance token it carries, and starts a real worker process
 * with them, as the instance's bootstrap would. When moto says the instance is gone, its worker
 * is killed (the machine vanished). Instances listed in `silent` never start a worker: a wrong
 * publicurl, a missing security group or a broken bootstrap look like that.
 */
import { DescribeInstanceAttributeCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import type { Moto } from './moto.ts';
import { startWorkerProcess, type Proc } from './processes.ts';

export interface PlayedInstance {
  instanceId: string;
  /** What the user-data carried. */
  serverUrl: string;
  workerName: string;
  token: string;
  userData: string;
  worker?: Proc;
}

export class InstanceHarness {
  readonly played = new Map<string, PlayedInstance>();
  /** Instances whose worker never comes. */
  silent: (instanceId: string) => boolean = () => false;
  private timer?: NodeJS.Timeout;
  private busy = false;
  errors: string[] = [];
  /** Instances whose user-data carries no worker (not launched by the scaler). */
  readonly unplayable: string[] = [];

  /** `reach` maps the URL in the user-data to where the server really listens (the test's loopback port). */
  constructor(private readonly moto: Moto, private readonly farmId: string, private readonly reach: (url: string) => string) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), 250);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.played.values()].map((p) => p.worker?.kill('SIGKILL')));
  }

  /** Running workers started for instances. */
  workers(): PlayedInstance[] {
    return [...this.played.values()].filter((p) => p.worker && p.worker.child.exitCode === null && p.worker.child.signalCode === null);
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const res = await this.moto.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:coalition:farm', Values: [this.farmId] }] }));
      for (const instance of (res.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
        const id = instance.InstanceId!;
        const state = instance.State?.Name;
        const known = this.played.get(id);
        if (state !== 'running' && state !== 'pending') {
          if (known?.worker) await known.worker.kill('SIGKILL');
          continue;
        }
        if (known) continue;
        const attr = await this.moto.ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: 'userData' }));
        const userData = Buffer.from(attr.UserData?.Value ?? '', 'base64').toString('utf8');
        const env = (key: string) => new RegExp(`^\\s*${key}=(\\S+)$`, 'm').exec(userData)?.[1];
        const played: PlayedInstance = { instanceId: id, serverUrl: env('COALITION_SERVER') ?? '', workerName: env('COALITION_WORKER_NAME') ?? '', token: env('COALITION_WORKER_TOKEN') ?? '', userData };
        this.played.set(id, played);
        if (!played.workerName || !played.token) {
          this.unplayable.push(id);
          continue;
        }
        if (this.silent(id)) continue;
        played.worker = startWorkerProcess(this.reach(played.serverUrl), ['--name', played.workerName], { COALITION_WORKER_TOKEN: played.token });
      }
    } catch (error) {
      this.errors.push(String(error));
    } finally {
      this.busy = false;
    }
  }
}
