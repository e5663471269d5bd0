import {
  AssociateRouteTableCommand, AttachInternetGatewayCommand, CreateInternetGatewayCommand, CreateRouteCommand,
  CreateRouteTableCommand, CreateSubnetCommand, CreateVpcCommand, DescribeInternetGatewaysCommand, DescribeRouteTablesCommand,
  DescribeSubnetsCommand, DescribeVpcsCommand, ModifySubnetAttributeCommand, ModifyVpcAttributeCommand,
  type EC2Client, type Filter, type InternetGateway, type RouteTable,
} from '@aws-sdk/client-ec2';
import type { PlannedAction, SetupStep, StepOutcome } from '../../../core/plugin-api.ts';
import { act, FARM_TAG, farmTags, outcomeOf, regionOf, ROLE_TAG, type SetupContext } from './setup-context.ts';

interface Survey {
  reused: boolean;
  vpcId?: string;
  igw?: InternetGateway;
  subnetId?: string;
  routeTable?: RouteTable;
}

const tagFilters = (ctx: SetupContext, role: string): Filter[] => [
  { Name: `tag:${FARM_TAG}`, Values: [ctx.farmId] },
  { Name: `tag:${ROLE_TAG}`, Values: [role] },
];

async function survey(ctx: SetupContext, ec2: EC2Client, input: Record<string, string>): Promise<Survey> {
  if (input.vpcId) {
    if (!input.subnetId) throw new Error('to reuse a VPC, also give the subnet the workers should start in (subnetId)');
    await act('ec2:DescribeVpcs', () => ec2.send(new DescribeVpcsCommand({ VpcIds: [input.vpcId] })));
    const subnets = await act('ec2:DescribeSubnets', () => ec2.send(new DescribeSubnetsCommand({ SubnetIds: [input.subnetId] })));
    if (subnets.Subnets?.[0]?.VpcId !== input.vpcId) throw new Error(`subnet ${input.subnetId} is not in ${input.vpcId}`);
    return { reused: true, vpcId: input.vpcId, subnetId: input.subnetId };
  }
  const vpcs = await act('ec2:DescribeVpcs', () => ec2.send(new DescribeVpcsCommand({ Filters: tagFilters(ctx, 'vpc') })));
  const vpcId = vpcs.Vpcs?.[0]?.VpcId;
  if (!vpcId) return { reused: false };
  const igws = await act('ec2:DescribeInternetGateways', () => ec2.send(new DescribeInternetGatewaysCommand({ Filters: tagFilters(ctx, 'internet-gateway') })));
  const subnets = await act('ec2:DescribeSubnets', () => ec2.send(new DescribeSubnetsCommand({ Filters: [...tagFilters(ctx, 'subnet'), { Name: 'vpc-id', Values: [vpcId] }] })));
  const tables = await act('ec2:DescribeRouteTables', () => ec2.send(new DescribeRouteTablesCommand({ Filters: [...tagFilters(ctx, 'route-table'), { Name: 'vpc-id', Values: [vpcId] }] })));
  return { reused: false, vpcId, igw: igws.InternetGateways?.[0], subnetId: subnets.Subnets?.[0]?.SubnetId, routeTable: tables.RouteTables?.[0] };
}

/** Step 2: reuse a VPC and subnet, or create a VPC with a public subnet, internet gateway and route. */
export function networkStep(ctx: SetupContext): SetupStep {
  const ec2Of = async (input: Record<string, string>) => (await ctx.clients(regionOf(ctx, input))).ec2;
  return {
    id: 'network',
    title: 'Network (VPC, public subnet, internet gateway)',
    fields: [
      { key: 'vpcId', label: 'Existing VPC id to reuse (leave empty to create one)' },
      { key: 'subnetId', label: 'Existing subnet id in that VPC (when reusing a VPC)' },
      { key: 'vpcCidr', label: 'CIDR of a new VPC', default: '10.42.0.0/16' },
      { key: 'subnetCidr', label: 'CIDR of its public subnet', default: '10.42.0.0/20' },
      { key: 'availabilityZone', label: 'Availability zone of the subnet (empty: let AWS pick)' },
    ],
    check: (input) => outcomeOf(async () => {
      const s = await survey(ctx, await ec2Of(input), input);
      const complete = s.reused || Boolean(s.vpcId && s.igw && s.subnetId && s.routeTable);
      return complete
        ? { ok: true, message: `Network ready: ${s.vpcId}, subnet ${s.subnetId}.`, values: { vpcId: s.vpcId!, subnetId: s.subnetId! } }
        : { ok: false, message: s.vpcId ? `VPC ${s.vpcId} exists but is incomplete; apply finishes it.` : 'No Coalition network yet; apply creates one.' };
    }),
    async plan(input): Promise<PlannedAction[]> {
      const s = await survey(ctx, await ec2Of(input), input);
      if (s.reused) return [{ action: 'reuse', resource: 'vpc', name: s.vpcId! }, { action: 'reuse', resource: 'subnet', name: s.subnetId! }];
      const item = (resource: string, id: string | undefined, detail: string): PlannedAction =>
        id ? { action: 'reuse', resource, name: id } : { action: 'create', resource, name: `coalition-${ctx.farmId}`, detail };
      return [
        item('vpc', s.vpcId, input.vpcCidr || '10.42.0.0/16'),
        item('internet-gateway', s.igw?.InternetGatewayId, 'attached to the VPC'),
        item('subnet', s.subnetId, `${input.subnetCidr || '10.42.0.0/20'}, public IPs on launch`),
        item('route-table', s.routeTable?.RouteTableId, '0.0.0.0/0 through the internet gateway'),
      ];
    },
    apply: (input) => outcomeOf(() => applyNetwork(ctx, input)),
  };
}

async function applyNetwork(ctx: SetupContext, input: Record<string, string>): Promise<StepOutcome> {
  const region = regionOf(ctx, input);
  const { ec2 } = await ctx.clients(region);
  const s = await survey(ctx, ec2, input);
  const name = `coalition-${ctx.farmId}`;
  const created: string[] = [];
  if (s.reused) {
    ctx.state.setValues({ vpcId: s.vpcId, subnetId: s.subnetId });
    return { ok: true, message: `Reusing ${s.vpcId} and subnet ${s.subnetId}.`, values: { vpcId: s.vpcId!, subnetId: s.subnetId! } };
  }

  let vpcId = s.vpcId;
  if (!vpcId) {
    const res = await act('ec2:CreateVpc', () => ec2.send(new CreateVpcCommand({
      CidrBlock: input.vpcCidr || '10.42.0.0/16',
      TagSpecifications: [{ ResourceType: 'vpc', Tags: farmTags(ctx, 'vpc', name) }],
    })));
    vpcId = res.Vpc!.VpcId!;
    ctx.state.record({ kind: 'vpc', id: vpcId, name, region });
    created.push(vpcId);
    await act('ec2:ModifyVpcAttribute', () => ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } })));
  } else if (!ctx.state.has('vpc', vpcId)) {
    // Carries this farm's tag: created by an earlier run that stopped before saving its state.
    ctx.state.record({ kind: 'vpc', id: vpcId, name, region });
  }

  let igwId = s.igw?.InternetGatewayId;
  if (!igwId) {
    const res = await act('ec2:CreateInternetGateway', () => ec2.send(new CreateInternetGatewayCommand({
      TagSpecifications: [{ ResourceType: 'internet-gateway', Tags: farmTags(ctx, 'internet-gateway', name) }],
    })));
    igwId = res.InternetGateway!.InternetGatewayId!;
    created.push(igwId);
  }
  ctx.state.record({ kind: 'internet-gateway', id: igwId, name, region });
  if (!(s.igw?.Attachments ?? []).some((a) => a.VpcId === vpcId)) {
    await act('ec2:AttachInternetGateway', () => ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId })));
  }
  ctx.state.record({ kind: 'igw-attachment', id: igwId, parent: vpcId, region });

  let subnetId = s.subnetId;
  if (!subnetId) {
    const res = await act('ec2:CreateSubnet', () => ec2.send(new CreateSubnetCommand({
      VpcId: vpcId,
      CidrBlock: input.subnetCidr || '10.42.0.0/20',
      ...(input.availabilityZone ? { AvailabilityZone: input.availabilityZone } : {}),
      TagSpecifications: [{ ResourceType: 'subnet', Tags: farmTags(ctx, 'subnet', `${name}-public`) }],
    })));
    subnetId = res.Subnet!.SubnetId!;
    created.push(subnetId);
    ctx.state.record({ kind: 'subnet', id: subnetId, parent: vpcId, region });
    await act('ec2:ModifySubnetAttribute', () => ec2.send(new ModifySubnetAttributeCommand({ SubnetId: subnetId, MapPublicIpOnLaunch: { Value: true } })));
  }
  ctx.state.record({ kind: 'subnet', id: subnetId, parent: vpcId, region });

  let table = s.routeTable;
  if (!table) {
    const res = await act('ec2:CreateRouteTable', () => ec2.send(new CreateRouteTableCommand({
      VpcId: vpcId,
      TagSpecifications: [{ ResourceType: 'route-table', Tags: farmTags(ctx, 'route-table', `${name}-public`) }],
    })));
    table = res.RouteTable!;
    created.push(table.RouteTableId!);
  }
  const tableId = table.RouteTableId!;
  ctx.state.record({ kind: 'route-table', id: tableId, parent: vpcId, region });
  if (!(table.Routes ?? []).some((r) => r.DestinationCidrBlock === '0.0.0.0/0')) {
    await act('ec2:CreateRoute', () => ec2.send(new CreateRouteCommand({ RouteTableId: tableId, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igwId })));
  }
  let association = (table.Associations ?? []).find((a) => a.SubnetId === subnetId)?.RouteTableAssociationId;
  if (!association) {
    const res = await act('ec2:AssociateRouteTable', () => ec2.send(new AssociateRouteTableCommand({ RouteTableId: tableId, SubnetId: subnetId })));
    association = res.AssociationId!;
  }
  ctx.state.record({ kind: 'route-table-association', id: association, parent: tableId, region });

  const values = { vpcId, subnetId };
  ctx.state.setValues(values);
  return { ok: true, message: created.length > 0 ? `Created ${created.join(', ')}.` : `Network already there: ${vpcId}, subnet ${subnetId}; nothing created.`, values };
}
