import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, CreateRoleCommand, GetInstanceProfileCommand,
  GetRoleCommand, GetRolePolicyCommand, PutRolePolicyCommand, type IAMClient, type InstanceProfile, type Role,
} from '@aws-sdk/client-iam';
import type { PlannedAction, SetupStep, StepOutcome } from '../../../core/plugin-api.ts';
import { hasCode } from '../aws-errors.ts';
import { ec2TrustPolicy, serverPolicy, workerBucketPolicy } from './policies.ts';
import { act, FARM_TAG, outcomeOf, regionOf, valueOf, type SetupContext } from './setup-context.ts';

export const WORKER_POLICY_NAME = 'coalition-bucket-access';

interface Survey {
  role?: Role;
  policyDocument?: string;
  profile?: InstanceProfile;
}

async function orMissing<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (hasCode(err, 'NoSuchEntity', 'NoSuchEntityException')) return undefined;
    throw err;
  }
}

async function survey(iam: IAMClient, roleName: string): Promise<Survey> {
  const role = (await orMissing(() => act('iam:GetRole', () => iam.send(new GetRoleCommand({ RoleName: roleName })))))?.Role;
  const policy = role ? await orMissing(() => act('iam:GetRolePolicy', () => iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: WORKER_POLICY_NAME })))) : undefined;
  const profile = (await orMissing(() => act('iam:GetInstanceProfile', () => iam.send(new GetInstanceProfileCommand({ InstanceProfileName: roleName })))))?.InstanceProfile;
  // GetRolePolicy returns the document URL-encoded.
  return { role, policyDocument: policy?.PolicyDocument ? decodeURIComponent(policy.PolicyDocument) : undefined, profile };
}

const samePolicy = (a: string | undefined, b: object) => {
  try {
    return a !== undefined && JSON.stringify(JSON.parse(a)) === JSON.stringify(b);
  } catch {
    return false;
  }
};

/** Step 5: the workers' role and instance profile, and the policy the server itself needs. */
export function iamStep(ctx: SetupContext): SetupStep {
  const roleNameOf = (input: Record<string, string>) => {
    const name = valueOf(ctx, input, 'roleName', `coalition-worker-${ctx.farmId}`.slice(0, 64));
    if (!/^[\w+=,.@-]{1,64}$/.test(name)) throw new Error(`"${name}" is not a valid IAM role name`);
    return name;
  };
  const bucketOf = (input: Record<string, string>) => {
    const bucket = valueOf(ctx, input, 'bucket');
    if (!bucket) throw new Error('no bucket yet: run the bucket step first (or give bucket)');
    return bucket;
  };
  return {
    id: 'iam',
    title: 'Worker role and instance profile',
    fields: [{ key: 'roleName', label: 'Name of the workers\' role and instance profile', default: ctx.state.values.roleName || `coalition-worker-${ctx.farmId}`.slice(0, 64) }],
    check: (input) => outcomeOf(async () => {
      const { iam } = await ctx.clients(regionOf(ctx, input));
      const roleName = roleNameOf(input);
      const s = await survey(iam, roleName);
      const ready = s.role && s.profile && (s.profile.Roles ?? []).some((r) => r.RoleName === roleName)
        && samePolicy(s.policyDocument, workerBucketPolicy(bucketOf(input), regionOf(ctx, input)));
      return ready
        ? { ok: true, message: `Role and instance profile ${roleName} ready.`, values: { instanceProfileName: roleName, workerRoleArn: s.role!.Arn! } }
        : { ok: false, message: `Role or instance profile ${roleName} missing or incomplete; apply sets them up.` };
    }),
    async plan(input): Promise<PlannedAction[]> {
      const region = regionOf(ctx, input);
      const { iam } = await ctx.clients(region);
      const roleName = roleNameOf(input);
      const policy = workerBucketPolicy(bucketOf(input), region);
      const s = await survey(iam, roleName);
      return [
        s.role ? { action: 'reuse', resource: 'iam-role', name: roleName } : { action: 'create', resource: 'iam-role', name: roleName, detail: 'assumed by EC2' },
        samePolicy(s.policyDocument, policy) ? { action: 'reuse', resource: 'iam-role-policy', name: WORKER_POLICY_NAME }
          : { action: s.policyDocument ? 'update' : 'create', resource: 'iam-role-policy', name: WORKER_POLICY_NAME, detail: JSON.stringify(policy) },
        s.profile ? { action: 'reuse', resource: 'instance-profile', name: roleName } : { action: 'create', resource: 'instance-profile', name: roleName },
      ];
    },
    apply: (input) => outcomeOf(() => applyIam(ctx, input, roleNameOf(input), bucketOf(input))),
  };
}

async function applyIam(ctx: SetupContext, input: Record<string, string>, roleName: string, bucket: string): Promise<StepOutcome> {
  const region = regionOf(ctx, input);
  const { iam } = await ctx.clients(region);
  const s = await survey(iam, roleName);
  const tags = [{ Key: FARM_TAG, Value: ctx.farmId }];
  const done: string[] = [];

  let role = s.role;
  if (!role) {
    role = (await act('iam:CreateRole', () => iam.send(new CreateRoleCommand({
      RoleName: roleName,
      AssumeRolePolicyDocument: JSON.stringify(ec2TrustPolicy),
      Description: `Coalition workers of farm ${ctx.farmId}: read the bundles, write outputs in s3://${bucket}`,
      Tags: tags,
    })))).Role!;
    ctx.state.record({ kind: 'iam-role', id: roleName });
    done.push(`created role ${roleName}`);
  }
  const policy = workerBucketPolicy(bucket, region);
  if (!samePolicy(s.policyDocument, policy)) {
    await act('iam:PutRolePolicy', () => iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: WORKER_POLICY_NAME, PolicyDocument: JSON.stringify(policy) })));
    if (!s.policyDocument) ctx.state.record({ kind: 'iam-role-policy', id: WORKER_POLICY_NAME, parent: roleName });
    done.push(`${s.policyDocument ? 'updated' : 'added'} policy ${WORKER_POLICY_NAME}`);
  }
  let profile = s.profile;
  if (!profile) {
    profile = (await act('iam:CreateInstanceProfile', () => iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: roleName, Tags: tags })))).InstanceProfile!;
    ctx.state.record({ kind: 'instance-profile', id: roleName });
    done.push(`created instance profile ${roleName}`);
  }
  if (!(profile.Roles ?? []).some((r) => r.RoleName === roleName)) {
    await act('iam:AddRoleToInstanceProfile', () => iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: roleName, RoleName: roleName })));
    ctx.state.record({ kind: 'instance-profile-role', id: roleName, parent: roleName });
  }

  const serverDoc = JSON.stringify(serverPolicy({ region, accountId: ctx.state.values.accountId ?? '', farmId: ctx.farmId, workerRoleArn: role.Arn! }), null, 2);
  const policyFile = join(ctx.dataDir, 'plugins', 'aws', 'server-policy.json');
  mkdirSync(join(ctx.dataDir, 'plugins', 'aws'), { recursive: true });
  writeFileSync(policyFile, `${serverDoc}\n`);
  ctx.state.record({ kind: 'file', id: policyFile });
  const values = { roleName, instanceProfileName: roleName, instanceProfileArn: profile.Arn ?? '', workerRoleArn: role.Arn!, serverPolicyFile: policyFile };
  ctx.state.setValues(values);
  return {
    ok: true,
    message: `${done.length > 0 ? `${done.join('; ')} (IAM may take a few seconds before EC2 accepts a new instance profile).` : `Role and instance profile ${roleName} already there; nothing created.`}`
      + ` The server's own identity needs this policy (saved in ${policyFile}); attach it to the server's role or user:\n${serverDoc}`,
    values,
  };
}
