import {
  AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DescribeSecurityGroupsCommand,
  type EC2Client, type IpPermission, type SecurityGroup,
} from '@aws-sdk/client-ec2';
import type { PlannedAction, SetupStep, StepOutcome } from '../../../core/plugin-api.ts';
import { act, FARM_TAG, farmTags, outcomeOf, regionOf, ROLE_TAG, valueOf, type SetupContext } from './setup-context.ts';

export const COALITION_PORT = 19211;

/**
 * The two groups of the old documentation. Their Name tags are `sg-coalition` and `sg-worker`;
 * their group names cannot be (EC2 refuses group names starting with `sg-`).
 */
const groups = {
  server: { role: 'sg-coalition', description: 'Coalition server: port 19211 from workers and the office' },
  worker: { role: 'sg-worker', description: 'Coalition workers: port 19211 from the server' },
} as const;

/** A bare IPv4 address becomes a /32; anything else must already be an IPv4 CIDR. */
export function officeCidr(value: string): string {
  const v = value.trim();
  const ip = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/(\d{1,2}))?$/.exec(v);
  if (!ip || ip.slice(1, 5).some((o) => Number(o) > 255) || (ip[6] !== undefined && Number(ip[6]) > 32)) {
    throw new Error(`"${value}" is not an IPv4 address or CIDR (e.g. 203.0.113.7 or 203.0.113.0/24)`);
  }
  if (ip[6] === '0') throw new Error('0.0.0.0/0 would open the server to the whole internet; give the office address');
  return ip[5] ? v : `${v}/32`;
}

type Rule = { from: 'group'; groupId: string } | { from: 'cidr'; cidr: string };

function hasRule(group: SecurityGroup | undefined, rule: Rule): boolean {
  return (group?.IpPermissions ?? []).some((p) => p.IpProtocol === 'tcp' && p.FromPort === COALITION_PORT && p.ToPort === COALITION_PORT
    && (rule.from === 'group'
      ? (p.UserIdGroupPairs ?? []).some((g) => g.GroupId === rule.groupId)
      : (p.IpRanges ?? []).some((r) => r.CidrIp === rule.cidr)));
}

function permission(rule: Rule, description: string): IpPermission {
  return {
    IpProtocol: 'tcp', FromPort: COALITION_PORT, ToPort: COALITION_PORT,
    ...(rule.from === 'group'
      ? { UserIdGroupPairs: [{ GroupId: rule.groupId, Description: description }] }
      : { IpRanges: [{ CidrIp: rule.cidr, Description: description }] }),
  };
}

async function findGroup(ctx: SetupContext, ec2: EC2Client, vpcId: string, role: string): Promise<SecurityGroup | undefined> {
  const res = await act('ec2:DescribeSecurityGroups', () => ec2.send(new DescribeSecurityGroupsCommand({
    Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: `tag:${FARM_TAG}`, Values: [ctx.farmId] }, { Name: `tag:${ROLE_TAG}`, Values: [role] }],
  })));
  return res.SecurityGroups?.[0];
}

/** Step 3: `sg-coalition` (19211 from sg-worker and the office) and `sg-worker` (19211 from sg-coalition). */
export function securityGroupsStep(ctx: SetupContext): SetupStep {
  const vpcOf = (input: Record<string, string>) => {
    const vpcId = valueOf(ctx, input, 'vpcId');
    if (!vpcId) throw new Error('no VPC yet: run the network step first (or give vpcId)');
    return vpcId;
  };
  return {
    id: 'security-groups',
    title: 'Security groups sg-coalition and sg-worker',
    fields: [{ key: 'officeCidr', label: 'Public IP (or CIDR) of the office, allowed to reach the server on 19211', required: true, default: ctx.state.values.officeCidr }],
    check: (input) => outcomeOf(async () => {
      const { ec2 } = await ctx.clients(regionOf(ctx, input));
      const vpcId = vpcOf(input);
      const server = await findGroup(ctx, ec2, vpcId, groups.server.role);
      const worker = await findGroup(ctx, ec2, vpcId, groups.worker.role);
      if (!server || !worker) return { ok: false, message: 'sg-coalition and sg-worker do not exist yet; apply creates them.' };
      return { ok: true, message: `sg-coalition ${server.GroupId}, sg-worker ${worker.GroupId}.`, values: { serverSecurityGroupId: server.GroupId!, workerSecurityGroupId: worker.GroupId! } };
    }),
    async plan(input): Promise<PlannedAction[]> {
      const { ec2 } = await ctx.clients(regionOf(ctx, input));
      const vpcId = vpcOf(input);
      const cidr = officeCidr(valueOf(ctx, input, 'officeCidr'));
      const server = await findGroup(ctx, ec2, vpcId, groups.server.role);
      const worker = await findGroup(ctx, ec2, vpcId, groups.worker.role);
      const plan: PlannedAction[] = [
        server ? { action: 'reuse', resource: 'security-group', name: `sg-coalition (${server.GroupId})` } : { action: 'create', resource: 'security-group', name: 'sg-coalition', detail: groups.server.description },
        worker ? { action: 'reuse', resource: 'security-group', name: `sg-worker (${worker.GroupId})` } : { action: 'create', resource: 'security-group', name: 'sg-worker', detail: groups.worker.description },
      ];
      const rules: Array<[SecurityGroup | undefined, string, Rule | undefined]> = [
        [server, `sg-coalition: tcp ${COALITION_PORT} from sg-worker`, worker ? { from: 'group', groupId: worker.GroupId! } : undefined],
        [server, `sg-coalition: tcp ${COALITION_PORT} from ${cidr}`, { from: 'cidr', cidr }],
        [worker, `sg-worker: tcp ${COALITION_PORT} from sg-coalition`, server ? { from: 'group', groupId: server.GroupId! } : undefined],
      ];
      for (const [group, name, rule] of rules) plan.push(rule && hasRule(group, rule) ? { action: 'reuse', resource: 'ingress-rule', name } : { action: 'create', resource: 'ingress-rule', name });
      return plan;
    },
    apply: (input) => outcomeOf(() => applyGroups(ctx, input, vpcOf(input))),
  };
}

async function applyGroups(ctx: SetupContext, input: Record<string, string>, vpcId: string): Promise<StepOutcome> {
  const region = regionOf(ctx, input);
  const { ec2 } = await ctx.clients(region);
  const cidr = officeCidr(valueOf(ctx, input, 'officeCidr'));
  const created: string[] = [];

  const ensureGroup = async (which: 'server' | 'worker') => {
    const { role, description } = groups[which];
    let group = await findGroup(ctx, ec2, vpcId, role);
    if (!group) {
      const res = await act('ec2:CreateSecurityGroup', () => ec2.send(new CreateSecurityGroupCommand({
        GroupName: `coalition-${which}-${ctx.farmId}`,
        Description: description,
        VpcId: vpcId,
        TagSpecifications: [{ ResourceType: 'security-group', Tags: farmTags(ctx, role, role) }],
      })));
      group = { GroupId: res.GroupId!, IpPermissions: [] };
      created.push(`${role} ${res.GroupId}`);
    }
    ctx.state.record({ kind: 'security-group', id: group.GroupId!, name: role, parent: vpcId, region });
    return group;
  };
  const server = await ensureGroup('server');
  const worker = await ensureGroup('worker');

  const ensureRule = async (group: SecurityGroup, rule: Rule, description: string) => {
    if (hasRule(group, rule)) return;
    const res = await act('ec2:AuthorizeSecurityGroupIngress', () => ec2.send(new AuthorizeSecurityGroupIngressCommand({
      GroupId: group.GroupId,
      IpPermissions: [permission(rule, description)],
      TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: farmTags(ctx, 'ingress') }],
    })));
    for (const r of res.SecurityGroupRules ?? []) {
      if (r.SecurityGroupRuleId) ctx.state.record({ kind: 'sg-rule', id: r.SecurityGroupRuleId, parent: group.GroupId, name: description, region });
    }
    created.push(description);
  };
  await ensureRule(server, { from: 'group', groupId: worker.GroupId! }, 'Coalition workers');
  await ensureRule(server, { from: 'cidr', cidr }, 'Coalition office');
  await ensureRule(worker, { from: 'group', groupId: server.GroupId! }, 'Coalition server');

  const values = { serverSecurityGroupId: server.GroupId!, workerSecurityGroupId: worker.GroupId!, officeCidr: cidr };
  ctx.state.setValues(values);
  return {
    ok: true,
    message: `${created.length > 0 ? `Created ${created.join(', ')}.` : 'Security groups already set up; nothing created.'} Attach sg-coalition (${server.GroupId}) to the server's instance.`,
    values,
  };
}
