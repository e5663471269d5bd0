import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginContext } from '../../core/plugin-api.ts';
import { makeAwsClients, resolveCredentials, type AwsClients } from './aws-clients.ts';
import { flattenIni, settingsFromFlat, type AwsSettings } from './aws-settings.ts';
import { Ec2Provider } from './ec2-provider.ts';
import type { SetupContext } from './setup/setup-context.ts';
import { SetupStateStore } from './setup/setup-state.ts';
import { savedSettingsPath } from './setup/settings-step.ts';
import { createAwsSetupWizard } from './setup/wizard.ts';

// The checkout packed as the worker bundle; from the build (dist/plugins/aws/index.js) it is one level further up.
const repoRoot = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? '../../../' : '../../', import.meta.url));

/**
 * Settings, lowest precedence first: defaults, the cloud_aws.ini the setup wizard saved
 * (`dataDir/plugins/aws/cloud_aws.ini`), an old cloud_aws.ini named by `cloudawsini`, then
 * the plugin's section of the server config.
 */
export function loadAwsSettings(ctx: Pick<PluginContext, 'config' | 'dataDir' | 'logger'>): AwsSettings {
  const sources: Array<Record<string, string>> = [];
  const saved = savedSettingsPath(ctx.dataDir);
  if (existsSync(saved)) sources.push(flattenIni(readFileSync(saved, 'utf8')));
  const legacy = ctx.config.cloudawsini;
  if (legacy) {
    if (!existsSync(legacy)) throw new Error(`cloudawsini: ${legacy} does not exist`);
    sources.push(flattenIni(readFileSync(legacy, 'utf8')));
  }
  sources.push({ ...ctx.config });
  return settingsFromFlat(sources, (message) => ctx.logger.warn(message));
}

export function setupContextFor(ctx: PluginContext, settings: AwsSettings): SetupContext {
  return {
    farmId: ctx.farmId,
    dataDir: ctx.dataDir,
    state: new SetupStateStore(join(ctx.dataDir, 'plugins', 'aws', 'setup-state.json'), ctx.farmId),
    secrets: ctx.secrets,
    logger: ctx.logger,
    settings,
    repoRoot,
    // Credentials are looked up at each use, so keys saved by the first step serve the next ones.
    clients: async (region, credentials) => makeAwsClients(region, credentials ?? await resolveCredentials(ctx.secrets, settings), settings.profile),
  };
}

/** Registers the EC2 provider (`servermode = aws`) and the "Cloud mode on AWS" setup wizard. */
export async function activate(ctx: PluginContext): Promise<void> {
  const settings = loadAwsSettings(ctx);
  const credentials = await resolveCredentials(ctx.secrets, settings);
  // The SDK clients are made on first use: a server in another mode never builds them.
  let made: AwsClients | undefined;
  const clients = () => (made ??= makeAwsClients(settings.region, credentials, settings.profile));
  const missing = (['imageId', 'bucket', 'iamInstanceProfile'] as const).filter((k) => !settings[k]);
  if (missing.length > 0) ctx.logger.info({ missing }, 'AWS settings incomplete: run `npm run cli -- aws setup` (or the setup in the UI) before starting workers on AWS');
  // The host disposes both registrations when it deactivates the plugin.
  const ec2 = onFirstUse(() => clients().ec2);
  const pricing = onFirstUse(() => clients().pricing);
  ctx.registerCloudProvider(new Ec2Provider({ ec2, pricing, settings, farmId: ctx.farmId, logger: ctx.logger }));
  ctx.registerSetupWizard(createAwsSetupWizard(setupContextFor(ctx, settings)));
}

/** A client the provider can hold from the start, built when it first sends (or never). */
function onFirstUse<C extends { send: (...args: never[]) => unknown; destroy(): void }>(make: () => C): C {
  let client: C | undefined;
  const lazy = {
    send: (...args: never[]) => (client ??= make()).send(...args),
    destroy: () => client?.destroy(),
  };
  return lazy as unknown as C; // the provider uses send() and destroy() only
}
