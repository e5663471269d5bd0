import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderTemplate } from '../../core/plugin-api.ts';
import type { AwsSettings } from './aws-settings.ts';

/** The template shipped in `templates/`; `userdatatemplate = path` in the settings overrides it. */
export const defaultTemplatePath = fileURLToPath(new URL('../../templates/aws-worker.cloud-init.yaml', import.meta.url));

export function loadUserDataTemplate(settings: Pick<AwsSettings, 'userDataTemplate'>): string {
  return readFileSync(settings.userDataTemplate || defaultTemplatePath, 'utf8');
}

/** What differs from one instance to the next. */
export interface WorkerBootstrap {
  serverUrl: string;
  workerName: string;
  /** The per-instance token the server accepts for this worker only. */
  workerToken: string;
  farmId: string;
}

// Values land in env files read by sh and systemd: keep them to characters neither interprets.
const safeValue = /^[A-Za-z0-9._~:/@%+,=-]*$/;
const safeUrl = /^https?:\/\/[A-Za-z0-9._~:/@%+,=?&#[\]-]+$/;
// Access key ids: AKIA… (long-term) and ASIA… (temporary).
const accessKeyPattern = /\b(AKIA|ASIA)[0-9A-Z]{16}\b/;

export class UserDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserDataError';
  }
}

/** The template variables for one worker; throws on a value that cannot be put in user-data. */
export function userDataVars(settings: AwsSettings, boot: WorkerBootstrap): Record<string, string> {
  const vars: Record<string, string> = {
    farm_id: boot.farmId,
    server_url: boot.serverUrl,
    worker_name: boot.workerName,
    worker_token: boot.workerToken,
    bucket: settings.bucket,
    region: settings.region,
    mount_point: settings.mountPoint,
    worker_bundle: settings.workerBundle,
    renderer_archive: settings.rendererArchive,
    node_version: settings.nodeVersion,
  };
  const mayBeEmpty = new Set(['renderer_archive']);
  for (const [name, value] of Object.entries(vars)) {
    if (value === '' && !mayBeEmpty.has(name)) throw new UserDataError(`user-data: ${name} is empty (check the AWS settings)`);
    const ok = name === 'server_url' ? safeUrl.test(value) : safeValue.test(value);
    // Never echo the token, even when it is malformed.
    if (!ok) throw new UserDataError(`user-data: ${name} has characters that cannot go into a worker's bootstrap${name === 'worker_token' ? '' : `: "${value}"`}`);
  }
  return vars;
}

/**
 * Renders the worker's cloud-config. A missing template variable is an error here, at
 * render time, never a broken instance; so is anything that looks like an AWS access key.
 */
export function renderWorkerUserData(template: string, settings: AwsSettings, boot: WorkerBootstrap): string {
  const text = renderTemplate(template, userDataVars(settings, boot));
  if (accessKeyPattern.test(text) || (settings.secretAccessKey && text.includes(settings.secretAccessKey))) {
    throw new UserDataError('user-data: the rendered template contains an AWS access key; workers get credentials from their instance role only');
  }
  return text;
}

/** EC2 wants user-data base64-encoded (at most 16 KB before encoding). */
export function encodeUserData(text: string): string {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > 16 * 1024) throw new UserDataError(`user-data is ${bytes} bytes; EC2 accepts 16384 at most`);
  return Buffer.from(text, 'utf8').toString('base64');
}
