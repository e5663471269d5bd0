import { rmSync } from 'node:fs';
import {
  DeleteInternetGatewayCommand, DeleteRouteTableCommand, DeleteSecurityGroupCommand, DeleteSubnetCommand, DeleteVpcCommand,
  DescribeInstancesCommand, DetachInternetGatewayCommand, DisassociateRouteTableCommand, RevokeSecurityGroupIngressCommand,
  TerminateInstancesCommand, type EC2Client, type Instance,
} from '@aws-sdk/client-ec2';
import {
  DeleteInstanceProfileCommand, DeleteRoleCommand, DeleteRolePolicyCommand, RemoveRoleFromInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { DeleteBucketCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { PlannedAction, StepOutcome } from '../../core/plugin-api.ts';
import { awsErrorMessage, hasCode } from './aws-errors.ts';
import type { AwsClients } from './aws-clients.ts';
import { act, FARM_TAG, failureOutcome, RefusedError, type SetupContext } from './setup/setup-context.ts';
import type { CreatedResource, ResourceKind } from './setup/setup-state.ts';

type Deleter = (c: AwsClients, r: CreatedResource) => Promise<unknown>;

/** How each kind is deleted, the IAM action that takes, and the codes meaning "already gone". */
const deleters: Record<ResourceKind, { action: string; gone: string[]; run: Deleter }> = {
  'settings-file': { action: 'file', gone: [], run: async (_c, r) => rmSync(r.id, { force: true }) },
  file: { action: 'file', gone: [], run: async (_c, r) => rmSync(r.id, { force: true }) },
  'instance-profile-role': {
    action: 'iam:RemoveRoleFromInstanceProfile', gone: ['NoSuchEntity'],
    run: (c, r) => c.iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: r.id, RoleName: r.parent })),
  },
  'instance-profile': { action: 'iam:DeleteInstanceProfile', gone: ['NoSuchEntity'], run: (c, r) => c.iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: r.id })) },
  'iam-role-policy': { action: 'iam:DeleteRolePolicy', gone: ['NoSuchEntity'], run: (c, r) => c.iam.send(new DeleteRolePolicyCommand({ RoleName: r.parent, PolicyName: r.id })) },
  'iam-role': { action: 'iam:DeleteRole', gone: ['NoSuchEntity'], run: (c, r) => c.iam.send(new DeleteRoleCommand({ RoleName: r.id })) },
  's3-object': { action: 's3:DeleteObject', gone: ['NoSuchKey', 'NoSuchBucket'], run: (c, r) => c.s3.send(new DeleteObjectCommand({ Bucket: r.parent, Key: r.id })) },
  bucket: { action: 's3:DeleteBucket', gone: ['NoSuchBucket'], run: (c, r) => c.s3.send(new DeleteBucketCommand({ Bucket: r.id })) },
  'sg-rule': {
    action: 'ec2:RevokeSecurityGroupIngress', gone: ['InvalidGroup.NotFound', 'InvalidSecurityGroupRuleId.NotFound', 'InvalidPermission.NotFound'],
    run: (c, r) => c.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: r.parent, SecurityGroupRuleIds: [r.id] })),
  },
  'security-group': { action: 'ec2:DeleteSecurityGroup', gone: ['InvalidGroup.NotFound'], run: (c, r) => c.ec2.send(new DeleteSecurityGroupCommand({ GroupId: r.id })) },
  'route-table-association': {
    action: 'ec2:DisassociateRouteTable', gone: ['InvalidAssociationID.NotFound'],
    run: (c, r) => c.ec2.send(new DisassociateRouteTableCommand({ AssociationId: r.id })),
  },
  'route-table': { action: 'ec2:DeleteRouteTable', gone: ['InvalidRouteTableID.NotFound'], run: (c, r) => c.ec2.send(new DeleteRouteTableCommand({ RouteTableId: r.id })) },
  subnet: { action: 'ec2:DeleteSubnet', gone: ['InvalidSubnetID.NotFound'], run: (c, r) => c.ec2.send(new DeleteSubnetCommand({ SubnetId: r.id })) },
  'igw-attachment': {
    action: 'ec2:DetachInternetGateway', gone: ['Gateway.NotAttached', 'InvalidInternetGatewayID.NotFound'],
    run: (c, r) => c.ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: r.id, VpcId: r.parent })),
  },
  'internet-gateway': { action: 'ec2:DeleteInternetGateway', gone: ['InvalidInternetGatewayID.NotFound'], run: (c, r) => c.ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: r.id })) },
  vpc: { action: 'ec2:DeleteVpc', gone: ['InvalidVpcID.NotFound'], run: (c, r) => c.ec2.send(new DeleteVpcCommand({ VpcId: r.id })) },
};

const describe = (r: CreatedResource) => `${r.kind} ${r.kind === 's3-object' ? `s3://${r.parent}/${r.id}` : r.id}${r.name ? ` (${r.name})` : ''}`;

/** Everything the wizard created, newest first: what the teardown will delete. */
export function teardownPlan(ctx: SetupContext): PlannedAction[] {
  return [...ctx.state.created].reverse().map((r) => ({ action: 'delete', resource: r.kind, name: r.kind === 's3-object' ? `s3://${r.parent}/${r.id}` : r.id, ...(r.name ? { detail: r.name } : {}) }));
}

async function farmInstances(ctx: SetupContext, ec2: EC2Client): Promise<Instance[]> {
  const res = await act('ec2:DescribeInstances', () => ec2.send(new DescribeInstancesCommand({
    Filters: [{ Name: `tag:${FARM_TAG}`, Values: [ctx.farmId] }, { Name: 'instance-state-name', Values: ['pending', 'running', 'shutting-down', 'stopping', 'stopped'] }],
  })));
  return (res.Reservations ?? []).flatMap((r) => r.Instances ?? []);
}

/**
 * Terminates the farm's stopped instances (they serve no one and hold the subnet and groups),
 * then waits until no instance of the farm is left shutting down. Refuses, changing nothing,
 * while some run: the scaler may be using them.
 */
async function clearInstances(ctx: SetupContext, ec2: EC2Client, sleep: (ms: number) => Promise<void>): Promise<string | undefined> {
  let instances = await farmInstances(ctx, ec2);
  const running = instances.filter((i) => ['pending', 'running'].includes(i.State?.Name ?? ''));
  if (running.length > 0) {
    return `${running.length} instance(s) of this farm still run (${running.map((i) => i.InstanceId).join(', ')}): stop the scaler and terminate them first.`;
  }
  const stopped = instances.filter((i) => ['stopping', 'stopped'].includes(i.State?.Name ?? '')).map((i) => i.InstanceId!);
  if (stopped.length > 0) {
    await act('ec2:TerminateInstances', () => ec2.send(new TerminateInstancesCommand({ InstanceIds: stopped })));
    ctx.logger.info({ instanceIds: stopped }, 'teardown terminated stopped instances of the farm');
  }
  for (let attempt = 0; instances.length > 0; attempt++) {
    if (attempt >= 60) return `instance(s) ${instances.map((i) => i.InstanceId).join(', ')} are still shutting down after 5 minutes; run the teardown again later.`;
    await sleep(attempt === 0 ? 0 : 5000);
    instances = await farmInstances(ctx, ec2);
  }
  return undefined;
}

/**
 * Deletes, newest first, what the wizard created and only that. Refuses while workers of the
 * farm still run (they hold the subnet and groups); stopped ones are terminated first. What
 * cannot be deleted — a bucket holding files the wizard did not put there — stays, and is
 * named in the outcome.
 */
export async function teardown(ctx: SetupContext, sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): Promise<StepOutcome> {
  const region = ctx.state.values.region || ctx.settings.region;
  try {
    const clients = await ctx.clients(region);
    const refusal = await clearInstances(ctx, clients.ec2, sleep);
    if (refusal) return { ok: false, message: refusal };
    const deleted: string[] = [];
    const kept: string[] = [];
    let refused: RefusedError | undefined;
    for (const r of [...ctx.state.created].reverse()) {
      const d = deleters[r.kind];
      try {
        await act(d.action, () => d.run(clients, r));
        deleted.push(describe(r));
        ctx.state.forget(r.kind, r.id);
      } catch (err) {
        if (hasCode(err, ...d.gone)) {
          ctx.state.forget(r.kind, r.id);
          continue;
        }
        if (err instanceof RefusedError) refused ??= err;
        const why = hasCode(err, 'BucketNotEmpty') ? 'it holds files the wizard did not put there (outputs?); empty it yourself or keep it' : awsErrorMessage(err);
        kept.push(`${describe(r)}: ${why}`);
        ctx.logger.warn({ kind: r.kind, id: r.id, err: awsErrorMessage(err) }, 'teardown could not delete a resource');
      }
    }
    if (kept.length === 0) ctx.state.setValues({ vpcId: undefined, subnetId: undefined, serverSecurityGroupId: undefined, workerSecurityGroupId: undefined, bucket: undefined, instanceProfileName: undefined });
    const message = [
      deleted.length > 0 ? `Deleted ${deleted.length}: ${deleted.join('; ')}.` : 'Nothing to delete.',
      ...(kept.length > 0 ? [`Kept ${kept.length}: ${kept.join('; ')}.`] : []),
    ].join(' ');
    return { ok: kept.length === 0, message, ...(refused ? { missingPermission: refused.action } : {}) };
  } catch (err) {
    return failureOutcome(err);
  }
}
