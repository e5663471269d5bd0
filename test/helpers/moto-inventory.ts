/** What exists in moto, as sorted lists, so a test can compare before and after (no resource left over, none created twice). */
import {
  DescribeInstancesCommand, DescribeInternetGatewaysCommand, DescribeRouteTablesCommand, DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { ListInstanceProfilesCommand, ListRolePoliciesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { ListBucketsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Moto } from './moto.ts';

export interface Inventory {
  vpcs: string[];
  subnets: string[];
  internetGateways: string[];
  routeTables: string[];
  securityGroups: string[];
  securityGroupRules: string[];
  buckets: string[];
  /** `bucket/key etag modified` for every object. */
  objects: string[];
  roles: string[];
  rolePolicies: string[];
  instanceProfiles: string[];
  liveInstances: string[];
}

const sorted = (list: Array<string | undefined>) => list.filter((x): x is string => Boolean(x)).sort();

export async function inventory(moto: Moto): Promise<Inventory> {
  const { ec2, s3, iam } = moto;
  const buckets = sorted(((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name));
  const objects: string[] = [];
  for (const bucket of buckets) {
    for (const o of (await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []) objects.push(`${bucket}/${o.Key} ${o.ETag} ${o.LastModified?.toISOString()}`);
  }
  const roles = sorted(((await iam.send(new ListRolesCommand({}))).Roles ?? []).map((r) => r.RoleName));
  const rolePolicies: string[] = [];
  for (const role of roles) for (const p of (await iam.send(new ListRolePoliciesCommand({ RoleName: role }))).PolicyNames ?? []) rolePolicies.push(`${role}/${p}`);
  const instances = ((await ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).flatMap((r) => r.Instances ?? []);
  return {
    vpcs: sorted(((await ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? []).map((v) => v.VpcId)),
    subnets: sorted(((await ec2.send(new DescribeSubnetsCommand({}))).Subnets ?? []).map((v) => v.SubnetId)),
    internetGateways: sorted(((await ec2.send(new DescribeInternetGatewaysCommand({}))).InternetGateways ?? []).map((v) => `${v.InternetGatewayId}:${(v.Attachments ?? []).map((a) => a.VpcId).join(',')}`)),
    routeTables: sorted(((await ec2.send(new DescribeRouteTablesCommand({}))).RouteTables ?? []).map((v) => `${v.RouteTableId}:${(v.Associations ?? []).map((a) => a.SubnetId ?? 'main').join(',')}`)),
    securityGroups: sorted(((await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? []).map((v) => v.GroupId)),
    securityGroupRules: sorted(((await ec2.send(new DescribeSecurityGroupRulesCommand({}))).SecurityGroupRules ?? []).map((v) => v.SecurityGroupRuleId)),
    buckets,
    objects: objects.sort(),
    roles,
    rolePolicies: rolePolicies.sort(),
    instanceProfiles: sorted(((await iam.send(new ListInstanceProfilesCommand({}))).InstanceProfiles ?? []).map((p) => `${p.InstanceProfileName}:${(p.Roles ?? []).map((r) => r.RoleName).join(',')}`)),
    liveInstances: sorted(instances.filter((i) => i.State?.Name !== 'terminated').map((i) => i.InstanceId)),
  };
}
