import type { Tag } from '@aws-sdk/client-ec2';
import type { PluginLogger, SecretStore, StepOutcome } from '../../../core/plugin-api.ts';
import { awsErrorCode, awsErrorMessage, isAccessDenied } from '../aws-errors.ts';
import type { AwsClients, StaticCredentials } from '../aws-clients.ts';
import type { AwsSettings } from '../aws-settings.ts';
import type { SetupStateStore } from './setup-state.ts';

import { FARM_TAG } from '../../../core/plugin-api.ts';

export { FARM_TAG };
export const ROLE_TAG = 'coalition:role';

/** What every setup step works with. */
export interface SetupContext {
  farmId: string;
  dataDir: string;
  state: SetupStateStore;
  secrets: SecretStore;
  logger: PluginLogger;
  /** Settings from the config and any saved cloud_aws.ini: the defaults the steps offer. */
  settings: AwsSettings;
  /**
   * AWS clients for a region: with `credentials` when given (to validate new keys before
   * saving them), else with the saved ones or the default chain.
   */
  clients(region: string, credentials?: StaticCredentials): Promise<AwsClients>;
  /** Root of the Coalition checkout, packed as the worker bundle when none is given. */
  repoRoot: string;
}

/** AWS refused a call for lack of a permission; `action` is the IAM action to grant. */
export class RefusedError extends Error {
  constructor(readonly action: string, cause: unknown) {
    super(`AWS refused ${action}: ${awsErrorMessage(cause)}`);
    this.name = 'RefusedError';
  }
}

/** Runs one AWS call; a refusal becomes a {@link RefusedError} naming `action`. */
export async function act<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isAccessDenied(err)) throw new RefusedError(action, err);
    throw err;
  }
}

/** The outcome of a step that threw: names the missing permission when AWS refused. */
export function failureOutcome(err: unknown): StepOutcome {
  if (err instanceof RefusedError) {
    return { ok: false, message: `${err.message}. Grant ${err.action} to the identity running the setup, then run this step again.`, missingPermission: err.action };
  }
  const code = awsErrorCode(err);
  if (code === 'CredentialsProviderError') {
    return { ok: false, message: `${awsErrorMessage(err)}: give an access key in the credentials step, set AWS_PROFILE, or run where an instance role provides credentials.` };
  }
  return { ok: false, message: code && !(err instanceof Error && err.name === code && err.message.includes(code)) ? `${code}: ${awsErrorMessage(err)}` : awsErrorMessage(err) };
}

/** Wraps a step body so it returns an outcome instead of throwing. */
export async function outcomeOf(body: () => Promise<StepOutcome>): Promise<StepOutcome> {
  try {
    return await body();
  } catch (err) {
    return failureOutcome(err);
  }
}

export function farmTags(ctx: SetupContext, role: string, name?: string): Tag[] {
  return [
    { Key: FARM_TAG, Value: ctx.farmId },
    { Key: ROLE_TAG, Value: role },
    ...(name ? [{ Key: 'Name', Value: name }] : []),
  ];
}

/** The region the steps use: the answer given, else the one the credentials step saved. */
export function regionOf(ctx: SetupContext, input: Record<string, string>): string {
  return input.region || ctx.state.values.region || ctx.settings.region;
}

/** An answer, else what an earlier step saved, else a default. */
export function valueOf(ctx: SetupContext, input: Record<string, string>, key: string, fallback = ''): string {
  return input[key] || ctx.state.values[key] || fallback;
}
