/**
 * The local provider plugin: Coalition's embedded default. It registers a cloud provider
 * named `local` whose instances are worker processes on this machine. See plugins/README.md.
 */
import path from 'node:path';
import type { PluginContext } from '../../core/plugin-api.ts';
import { LocalProvider } from './local-provider.ts';
import { parseLocalSettings } from './local-settings.ts';

export function activate(ctx: PluginContext): void {
  const settings = parseLocalSettings(ctx.config);
  const provider = new LocalProvider({
    stateDir: path.join(ctx.dataDir, 'plugins', 'local'),
    settings,
    logger: ctx.logger,
    workerProcess: ctx.workerProcess,
  });
  ctx.registerCloudProvider(provider);
  ctx.logger.info({ maxInstances: settings.maxInstances, affinities: settings.affinities }, 'local provider ready');
}
