/**
 * A small stateful AWS (EC2 networking, S3, IAM, STS) behind aws-sdk-client-mock for the setup
 * wizard's tests: Describe* filter by tags, Create* add, Delete* remove, and any call can be
 * refused to check that the wizard names the missing IAM action.
 */
import * as ec2 from '@aws-sdk/client-ec2';
import * as iam from '@aws-sdk/client-iam';
import * as s3 from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { awsError } from './aws-fake-ec2.ts';

type Tags = Array<{ Key?: string; Value?: string }>;
interface Res { id: string; type: string; tags: Tags; [k: string]: unknown }

export class FakeSetupCloud {
  readonly ec2 = mockClient(ec2.EC2Client);
  readonly s3 = mockClient(s3.S3Client);
  readonly iam = mockClient(iam.IAMClient);
  readonly sts = mockClient(STSClient);
  readonly resources = new Map<string, Res>();
  readonly buckets = new Map<string, { region?: string; objects: Map<string, { metadata: Record<string, string> }>; config: string[] }>();
  readonly roles = new Map<string, { arn: string; policies: Map<string, string> }>();
  readonly profiles = new Map<string, { arn: string; roles: string[] }>();
  readonly liveInstances: string[] = [];
  /** Command names (e.g. `CreateRole`) AWS refuses. */
  readonly refuse = new Set<string>();
  readonly calls: string[] = [];
  validKeys = new Set(['AKIAIOSFODNN7EXAMPLE']);
  /** The keys the clients in use were built with (undefined: the default chain). */
  currentKeys?: { accessKeyId: string };
  private n = 0;

  constructor() {
    const on = <I extends object, O extends object>(
      mock: { on: (c: never) => { callsFake: (f: (input: I) => unknown) => unknown } }, command: unknown, name: string,
      body: (input: I) => O | Promise<O>,
    ) => {
      mock.on(command as never).callsFake(async (input: I) => {
        this.calls.push(name);
        if (this.refuse.has(name)) throw awsError(mock === (this.ec2 as never) ? 'UnauthorizedOperation' : 'AccessDenied', `not authorized to perform ${name}`);
        return body(input);
      });
    };
    const id = (prefix: string) => `${prefix}-${(++this.n).toString(16).padStart(8, '0')}`;
    const add = (type: string, prefix: string, tags: Tags | undefined, extra: Record<string, unknown> = {}) => {
      const r: Res = { id: id(prefix), type, tags: tags ?? [], ...extra };
      this.resources.set(r.id, r);
      return r;
    };
    const tagsOf = (specs?: Array<{ Tags?: Tags }>) => specs?.[0]?.Tags ?? [];
    const filtered = (type: string, filters?: Array<{ Name?: string; Values?: string[] }>, ids?: string[]) => {
      const list = [...this.resources.values()].filter((r) => r.type === type && (!ids || ids.includes(r.id)));
      if (ids) for (const wanted of ids) if (!this.resources.has(wanted)) throw awsError(`Invalid${type === 'vpc' ? 'Vpc' : 'Subnet'}ID.NotFound`);
      return list.filter((r) => (filters ?? []).every((f) => {
        if (f.Name?.startsWith('tag:')) return r.tags.some((t) => t.Key === f.Name!.slice(4) && f.Values?.includes(t.Value ?? ''));
        if (f.Name === 'vpc-id') return f.Values?.includes(String(r.vpcId));
        return true;
      }));
    };
    const del = (rid: string | undefined, code: string) => {
      if (!rid || !this.resources.delete(rid)) throw awsError(code);
      return {};
    };

    // EC2 networking
    on<ec2.DescribeVpcsCommandInput, object>(this.ec2 as never, ec2.DescribeVpcsCommand, 'DescribeVpcs', (i) => ({ Vpcs: filtered('vpc', i.Filters, i.VpcIds).map((r) => ({ VpcId: r.id })) }));
    on<ec2.CreateVpcCommandInput, object>(this.ec2 as never, ec2.CreateVpcCommand, 'CreateVpc', (i) => ({ Vpc: { VpcId: add('vpc', 'vpc', tagsOf(i.TagSpecifications), { cidr: i.CidrBlock }).id } }));
    on<ec2.ModifyVpcAttributeCommandInput, object>(this.ec2 as never, ec2.ModifyVpcAttributeCommand, 'ModifyVpcAttribute', () => ({}));
    on<ec2.DescribeInternetGatewaysCommandInput, object>(this.ec2 as never, ec2.DescribeInternetGatewaysCommand, 'DescribeInternetGateways', (i) => ({
      InternetGateways: filtered('igw', i.Filters).map((r) => ({ InternetGatewayId: r.id, Attachments: r.vpcId ? [{ VpcId: r.vpcId as string }] : [] })),
    }));
    on<ec2.CreateInternetGatewayCommandInput, object>(this.ec2 as never, ec2.CreateInternetGatewayCommand, 'CreateInternetGateway', (i) => ({ InternetGateway: { InternetGatewayId: add('igw', 'igw', tagsOf(i.TagSpecifications)).id } }));
    on<ec2.AttachInternetGatewayCommandInput, object>(this.ec2 as never, ec2.AttachInternetGatewayCommand, 'AttachInternetGateway', (i) => { this.resources.get(i.InternetGatewayId!)!.vpcId = i.VpcId; return {}; });
    on<ec2.DescribeSubnetsCommandInput, object>(this.ec2 as never, ec2.DescribeSubnetsCommand, 'DescribeSubnets', (i) => ({ Subnets: filtered('subnet', i.Filters, i.SubnetIds).map((r) => ({ SubnetId: r.id, VpcId: r.vpcId as string })) }));
    on<ec2.CreateSubnetCommandInput, object>(this.ec2 as never, ec2.CreateSubnetCommand, 'CreateSubnet', (i) => ({ Subnet: { SubnetId: add('subnet', 'subnet', tagsOf(i.TagSpecifications), { vpcId: i.VpcId }).id } }));
    on<ec2.ModifySubnetAttributeCommandInput, object>(this.ec2 as never, ec2.ModifySubnetAttributeCommand, 'ModifySubnetAttribute', () => ({}));
    on<ec2.DescribeRouteTablesCommandInput, object>(this.ec2 as never, ec2.DescribeRouteTablesCommand, 'DescribeRouteTables', (i) => ({
      RouteTables: filtered('rtb', i.Filters).map((r) => ({ RouteTableId: r.id, Routes: r.routes as object[], Associations: r.associations as object[] })),
    }));
    on<ec2.CreateRouteTableCommandInput, object>(this.ec2 as never, ec2.CreateRouteTableCommand, 'CreateRouteTable', (i) => ({
      RouteTable: { RouteTableId: add('rtb', 'rtb', tagsOf(i.TagSpecifications), { vpcId: i.VpcId, routes: [], associations: [] }).id, Routes: [], Associations: [] },
    }));
    on<ec2.CreateRouteCommandInput, object>(this.ec2 as never, ec2.CreateRouteCommand, 'CreateRoute', (i) => { (this.resources.get(i.RouteTableId!)!.routes as object[]).push({ DestinationCidrBlock: i.DestinationCidrBlock }); return { Return: true }; });
    on<ec2.AssociateRouteTableCommandInput, object>(this.ec2 as never, ec2.AssociateRouteTableCommand, 'AssociateRouteTable', (i) => {
      const assoc = id('rtbassoc');
      (this.resources.get(i.RouteTableId!)!.associations as object[]).push({ SubnetId: i.SubnetId, RouteTableAssociationId: assoc });
      return { AssociationId: assoc };
    });
    on<ec2.DescribeSecurityGroupsCommandInput, object>(this.ec2 as never, ec2.DescribeSecurityGroupsCommand, 'DescribeSecurityGroups', (i) => ({
      SecurityGroups: filtered('sg', i.Filters).map((r) => ({ GroupId: r.id, IpPermissions: (r.rules as Array<{ perm: object }>).map((x) => x.perm) })),
    }));
    on<ec2.CreateSecurityGroupCommandInput, object>(this.ec2 as never, ec2.CreateSecurityGroupCommand, 'CreateSecurityGroup', (i) => {
      if (i.GroupName?.startsWith('sg-')) throw awsError('InvalidParameterValue', 'Group names may not be in the format sg-*');
      return { GroupId: add('sg', 'sg', tagsOf(i.TagSpecifications), { vpcId: i.VpcId, rules: [] }).id };
    });
    on<ec2.AuthorizeSecurityGroupIngressCommandInput, object>(this.ec2 as never, ec2.AuthorizeSecurityGroupIngressCommand, 'AuthorizeSecurityGroupIngress', (i) => {
      const ruleId = id('sgr');
      (this.resources.get(i.GroupId!)!.rules as object[]).push({ id: ruleId, perm: i.IpPermissions![0] });
      return { Return: true, SecurityGroupRules: [{ SecurityGroupRuleId: ruleId, GroupId: i.GroupId }] };
    });
    on<ec2.RevokeSecurityGroupIngressCommandInput, object>(this.ec2 as never, ec2.RevokeSecurityGroupIngressCommand, 'RevokeSecurityGroupIngress', (i) => {
      const group = this.resources.get(i.GroupId!);
      if (!group) throw awsError('InvalidGroup.NotFound');
      group.rules = (group.rules as Array<{ id: string }>).filter((r) => !i.SecurityGroupRuleIds!.includes(r.id));
      return { Return: true };
    });
    on<ec2.DeleteSecurityGroupCommandInput, object>(this.ec2 as never, ec2.DeleteSecurityGroupCommand, 'DeleteSecurityGroup', (i) => {
      const referenced = [...this.resources.values()].some((r) => r.type === 'sg' && (r.rules as Array<{ perm: ec2.IpPermission }>).some((x) => x.perm.UserIdGroupPairs?.some((g) => g.GroupId === i.GroupId)));
      if (referenced) throw awsError('DependencyViolation', `resource ${i.GroupId} has a dependent object`);
      return del(i.GroupId, 'InvalidGroup.NotFound');
    });
    on<ec2.DisassociateRouteTableCommandInput, object>(this.ec2 as never, ec2.DisassociateRouteTableCommand, 'DisassociateRouteTable', (i) => {
      for (const r of this.resources.values()) if (r.type === 'rtb') r.associations = (r.associations as Array<{ RouteTableAssociationId: string }>).filter((a) => a.RouteTableAssociationId !== i.AssociationId);
      return {};
    });
    on<ec2.DeleteRouteTableCommandInput, object>(this.ec2 as never, ec2.DeleteRouteTableCommand, 'DeleteRouteTable', (i) => del(i.RouteTableId, 'InvalidRouteTableID.NotFound'));
    on<ec2.DeleteSubnetCommandInput, object>(this.ec2 as never, ec2.DeleteSubnetCommand, 'DeleteSubnet', (i) => del(i.SubnetId, 'InvalidSubnetID.NotFound'));
    on<ec2.DetachInternetGatewayCommandInput, object>(this.ec2 as never, ec2.DetachInternetGatewayCommand, 'DetachInternetGateway', (i) => { this.resources.get(i.InternetGatewayId!)!.vpcId = undefined; return {}; });
    on<ec2.DeleteInternetGatewayCommandInput, object>(this.ec2 as never, ec2.DeleteInternetGatewayCommand, 'DeleteInternetGateway', (i) => del(i.InternetGatewayId, 'InvalidInternetGatewayID.NotFound'));
    on<ec2.DeleteVpcCommandInput, object>(this.ec2 as never, ec2.DeleteVpcCommand, 'DeleteVpc', (i) => {
      if ([...this.resources.values()].some((r) => r.vpcId === i.VpcId)) throw awsError('DependencyViolation', `The vpc '${i.VpcId}' has dependencies and cannot be deleted.`);
      return del(i.VpcId, 'InvalidVpcID.NotFound');
    });
    on<ec2.DescribeImagesCommandInput, object>(this.ec2 as never, ec2.DescribeImagesCommand, 'DescribeImages', () => ({
      Images: [{ ImageId: 'ami-0old', CreationDate: '2025-01-01T00:00:00.000Z' }, { ImageId: 'ami-0new', CreationDate: '2026-06-01T00:00:00.000Z' }],
    }));
    on<ec2.DescribeInstancesCommandInput, object>(this.ec2 as never, ec2.DescribeInstancesCommand, 'DescribeInstances', () => ({ Reservations: [{ Instances: this.liveInstances.map((InstanceId) => ({ InstanceId, State: { Name: 'running' } })) }] }));

    // S3
    const bucket = (name?: string) => {
      const b = this.buckets.get(name ?? '');
      if (!b) throw awsError('NoSuchBucket');
      return b;
    };
    on<s3.HeadBucketCommandInput, object>(this.s3 as never, s3.HeadBucketCommand, 'HeadBucket', (i) => {
      if (!this.buckets.has(i.Bucket!)) throw awsError('NotFound');
      return {};
    });
    on<s3.CreateBucketCommandInput, object>(this.s3 as never, s3.CreateBucketCommand, 'CreateBucket', (i) => {
      this.buckets.set(i.Bucket!, { region: i.CreateBucketConfiguration?.LocationConstraint, objects: new Map(), config: [] });
      return {};
    });
    for (const [command, name] of [[s3.PutPublicAccessBlockCommand, 'PutPublicAccessBlock'], [s3.PutBucketEncryptionCommand, 'PutBucketEncryption'], [s3.PutBucketTaggingCommand, 'PutBucketTagging']] as const) {
      on<{ Bucket?: string }, object>(this.s3 as never, command, name, (i) => { bucket(i.Bucket).config.push(name); return {}; });
    }
    on<s3.HeadObjectCommandInput, object>(this.s3 as never, s3.HeadObjectCommand, 'HeadObject', (i) => {
      const o = bucket(i.Bucket).objects.get(i.Key!);
      if (!o) throw awsError('NotFound');
      return { Metadata: o.metadata };
    });
    on<s3.PutObjectCommandInput, object>(this.s3 as never, s3.PutObjectCommand, 'PutObject', (i) => {
      bucket(i.Bucket).objects.set(i.Key!, { metadata: i.Metadata ?? {} });
      return { ETag: '"e"' };
    });
    on<s3.DeleteObjectCommandInput, object>(this.s3 as never, s3.DeleteObjectCommand, 'DeleteObject', (i) => { bucket(i.Bucket).objects.delete(i.Key!); return {}; });
    on<s3.DeleteBucketCommandInput, object>(this.s3 as never, s3.DeleteBucketCommand, 'DeleteBucket', (i) => {
      if (bucket(i.Bucket).objects.size > 0) throw awsError('BucketNotEmpty', 'The bucket you tried to delete is not empty');
      this.buckets.delete(i.Bucket!);
      return {};
    });

    // IAM
    const role = (name?: string) => {
      const r = this.roles.get(name ?? '');
      if (!r) throw awsError('NoSuchEntity', `The role with name ${name} cannot be found.`);
      return r;
    };
    on<iam.GetRoleCommandInput, object>(this.iam as never, iam.GetRoleCommand, 'GetRole', (i) => ({ Role: { RoleName: i.RoleName, Arn: role(i.RoleName).arn } }));
    on<iam.CreateRoleCommandInput, object>(this.iam as never, iam.CreateRoleCommand, 'CreateRole', (i) => {
      const arn = `arn:aws:iam::123456789012:role/${i.RoleName}`;
      this.roles.set(i.RoleName!, { arn, policies: new Map() });
      return { Role: { RoleName: i.RoleName, Arn: arn } };
    });
    on<iam.GetRolePolicyCommandInput, object>(this.iam as never, iam.GetRolePolicyCommand, 'GetRolePolicy', (i) => {
      const doc = role(i.RoleName).policies.get(i.PolicyName!);
      if (!doc) throw awsError('NoSuchEntity');
      return { RoleName: i.RoleName, PolicyName: i.PolicyName, PolicyDocument: encodeURIComponent(doc) };
    });
    on<iam.PutRolePolicyCommandInput, object>(this.iam as never, iam.PutRolePolicyCommand, 'PutRolePolicy', (i) => { role(i.RoleName).policies.set(i.PolicyName!, i.PolicyDocument!); return {}; });
    on<iam.DeleteRolePolicyCommandInput, object>(this.iam as never, iam.DeleteRolePolicyCommand, 'DeleteRolePolicy', (i) => {
      if (!role(i.RoleName).policies.delete(i.PolicyName!)) throw awsError('NoSuchEntity');
      return {};
    });
    on<iam.DeleteRoleCommandInput, object>(this.iam as never, iam.DeleteRoleCommand, 'DeleteRole', (i) => {
      const r = role(i.RoleName);
      if (r.policies.size > 0 || [...this.profiles.values()].some((p) => p.roles.includes(i.RoleName!))) throw awsError('DeleteConflict', 'Cannot delete entity, must remove policies and profiles first.');
      this.roles.delete(i.RoleName!);
      return {};
    });
    const profile = (name?: string) => {
      const p = this.profiles.get(name ?? '');
      if (!p) throw awsError('NoSuchEntity');
      return p;
    };
    on<iam.GetInstanceProfileCommandInput, object>(this.iam as never, iam.GetInstanceProfileCommand, 'GetInstanceProfile', (i) => {
      const p = profile(i.InstanceProfileName);
      return { InstanceProfile: { InstanceProfileName: i.InstanceProfileName, Arn: p.arn, Roles: p.roles.map((RoleName) => ({ RoleName })) } };
    });
    on<iam.CreateInstanceProfileCommandInput, object>(this.iam as never, iam.CreateInstanceProfileCommand, 'CreateInstanceProfile', (i) => {
      const arn = `arn:aws:iam::123456789012:instance-profile/${i.InstanceProfileName}`;
      this.profiles.set(i.InstanceProfileName!, { arn, roles: [] });
      return { InstanceProfile: { InstanceProfileName: i.InstanceProfileName, Arn: arn, Roles: [] } };
    });
    on<iam.AddRoleToInstanceProfileCommandInput, object>(this.iam as never, iam.AddRoleToInstanceProfileCommand, 'AddRoleToInstanceProfile', (i) => { profile(i.InstanceProfileName).roles.push(i.RoleName!); return {}; });
    on<iam.RemoveRoleFromInstanceProfileCommandInput, object>(this.iam as never, iam.RemoveRoleFromInstanceProfileCommand, 'RemoveRoleFromInstanceProfile', (i) => {
      const p = profile(i.InstanceProfileName);
      p.roles = p.roles.filter((r) => r !== i.RoleName);
      return {};
    });
    on<iam.DeleteInstanceProfileCommandInput, object>(this.iam as never, iam.DeleteInstanceProfileCommand, 'DeleteInstanceProfile', (i) => {
      if (profile(i.InstanceProfileName).roles.length > 0) throw awsError('DeleteConflict');
      this.profiles.delete(i.InstanceProfileName!);
      return {};
    });

    // STS: GetCallerIdentity needs no permission, only valid credentials.
    this.sts.on(GetCallerIdentityCommand).callsFake(async () => {
      this.calls.push('GetCallerIdentity');
      if (this.currentKeys && !this.validKeys.has(this.currentKeys.accessKeyId)) throw awsError('InvalidClientTokenId', 'The security token included in the request is invalid.');
      return { Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/render-admin', UserId: 'AIDAEXAMPLE' };
    });
  }

  /** Pretends the user already has these (created outside the wizard). */
  addVpcWithSubnet(): { vpcId: string; subnetId: string } {
    const vpc: Res = { id: 'vpc-user0001', type: 'vpc', tags: [] };
    const subnet: Res = { id: 'subnet-user0001', type: 'subnet', tags: [], vpcId: vpc.id };
    this.resources.set(vpc.id, vpc);
    this.resources.set(subnet.id, subnet);
    return { vpcId: vpc.id, subnetId: subnet.id };
  }

  restore(): void {
    for (const m of [this.ec2, this.s3, this.iam, this.sts]) m.restore();
  }
}
