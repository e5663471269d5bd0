import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { PlannedAction, SetupStep } from '../../../core/plugin-api.ts';
import { SECRET_ACCESS_KEY_ID, SECRET_SECRET_ACCESS_KEY, type StaticCredentials } from '../aws-clients.ts';
import { act, outcomeOf, regionOf, type SetupContext } from './setup-context.ts';

const regionPattern = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

function newKeys(input: Record<string, string>): StaticCredentials | undefined {
  const accessKeyId = input.accessKeyId?.trim();
  const secretAccessKey = input.secretAccessKey?.trim();
  if (!accessKeyId && !secretAccessKey) return undefined;
  if (!accessKeyId || !secretAccessKey) throw new Error('give both the access key id and the secret access key, or neither to use the default AWS credential chain');
  // Never echo what was typed: it may be a secret pasted in the wrong field.
  if (!/^(AKIA|ASIA)[A-Z0-9]{12,124}$/.test(accessKeyId)) throw new Error('the access key id does not look like one (AKIA… or ASIA…)');
  return { accessKeyId, secretAccessKey };
}

/**
 * Step 1: credentials and region, validated with STS GetCallerIdentity (which needs no
 * permission). Keys typed here go to the host's secret store, never to a file or a log.
 */
export function credentialsStep(ctx: SetupContext): SetupStep {
  const identify = async (input: Record<string, string>) => {
    const region = regionOf(ctx, input);
    if (!regionPattern.test(region)) throw new Error(`"${region}" is not an AWS region name (like eu-west-3)`);
    const keys = newKeys(input);
    const { sts } = await ctx.clients(region, keys);
    const who = await act('sts:GetCallerIdentity', () => sts.send(new GetCallerIdentityCommand({})));
    return { region, keys, account: who.Account ?? '', arn: who.Arn ?? '' };
  };
  return {
    id: 'credentials',
    title: 'AWS credentials and region',
    fields: [
      { key: 'region', label: 'AWS region (e.g. eu-west-3)', required: true, default: ctx.state.values.region || ctx.settings.region },
      { key: 'accessKeyId', label: 'Access key id (leave empty to use the default AWS chain: environment, profile, SSO, instance role)' },
      { key: 'secretAccessKey', label: 'Secret access key', secret: true },
    ],
    check: (input) => outcomeOf(async () => {
      const who = await identify(input);
      return { ok: true, message: `Signed in to account ${who.account} as ${who.arn} (${who.region}).`, values: { region: who.region, accountId: who.account, callerArn: who.arn } };
    }),
    async plan(input): Promise<PlannedAction[]> {
      const keys = newKeys(input);
      return [keys
        ? { action: 'update', resource: 'credentials', name: 'secret store', detail: 'saves the access key in the secret store' }
        : { action: 'reuse', resource: 'credentials', name: 'default AWS credential chain' }];
    },
    apply: (input) => outcomeOf(async () => {
      const who = await identify(input);
      if (who.keys) {
        await ctx.secrets.set(SECRET_ACCESS_KEY_ID, who.keys.accessKeyId);
        await ctx.secrets.set(SECRET_SECRET_ACCESS_KEY, who.keys.secretAccessKey);
      }
      const values = { region: who.region, accountId: who.account, callerArn: who.arn };
      ctx.state.setValues(values);
      return { ok: true, message: `Signed in to account ${who.account} as ${who.arn}; region ${who.region}.${who.keys ? ' Keys saved in the secret store.' : ''}`, values };
    }),
  };
}
