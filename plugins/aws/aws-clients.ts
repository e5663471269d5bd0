import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { PricingClient } from '@aws-sdk/client-pricing';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import type { SecretStore } from '../../core/plugin-api.ts';
import type { AwsSettings } from './aws-settings.ts';

/** Secret-store keys for credentials the setup wizard saved (the host scopes them to the plugin: headless, `COALITION_SECRET_AWS_ACCESS_KEY_ID` overrides). */
export const SECRET_ACCESS_KEY_ID = 'accessKeyId';
export const SECRET_SECRET_ACCESS_KEY = 'secretAccessKey';

export interface AwsClients {
  ec2: EC2Client;
  s3: S3Client;
  iam: IAMClient;
  sts: STSClient;
  /** The Price List API answers in us-east-1. */
  pricing: PricingClient;
}

export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * Which credentials to use, in order: keys saved in the secret store by the wizard, keys
 * still written in an old cloud_aws.ini, else none — the SDK's default chain (environment,
 * `profile`, SSO, the instance role of a server running on EC2).
 */
export async function resolveCredentials(secrets: SecretStore, settings: Pick<AwsSettings, 'accessKeyId' | 'secretAccessKey'>): Promise<StaticCredentials | undefined> {
  const accessKeyId = await secrets.get(SECRET_ACCESS_KEY_ID);
  const secretAccessKey = await secrets.get(SECRET_SECRET_ACCESS_KEY);
  if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey };
  if (settings.accessKeyId && settings.secretAccessKey) return { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey };
  return undefined;
}

export function makeAwsClients(region: string, credentials?: StaticCredentials, profile?: string): AwsClients {
  const common = { region, ...(credentials ? { credentials } : profile ? { profile } : {}) };
  return {
    ec2: new EC2Client(common),
    s3: new S3Client(common),
    iam: new IAMClient(common),
    sts: new STSClient(common),
    pricing: new PricingClient({ ...common, region: 'us-east-1' }),
  };
}
