import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { configFromEnv, readIni, resolveServerConfig } from '../core/config.ts';
import { CoalitionError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { startServer } from '../core/server.ts';
import { terminalDestination } from './terminal-logger.ts';

/** `coalition server`: the headless server (what `npm start` runs). */
export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description('run the Coalition server')
    .option('--port <port>', 'port to listen on (0 = any free port)')
    .option('--host <host>', 'address to listen on')
    .option('--data <dir>', 'data directory (jobs, logs, tokens)')
    .option('--config <file>', 'coalition.ini to read ([server] section)')
    .option('--no-auth', 'accept requests without a token (trusted LAN only)')
    .option('--store <engine>', 'storage engine: journal (default) or nedb')
    .option('--servermode <mode>', 'local (start workers on this machine when jobs wait), aws, or normal (no scaler)')
    .option('--verbose', 'debug logs')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const layers: Array<{ source: string; values: Record<string, unknown> }> = [];
      let ini: Record<string, Record<string, string>> = {};
      if (typeof opts.config === 'string') {
        ini = readIni(opts.config);
        layers.push({ source: opts.config, values: ini.server ?? {} });
      }
      layers.push({ source: 'environment', values: configFromEnv(process.env) });
      const flags: Record<string, unknown> = { port: opts.port, host: opts.host, data: opts.data, store: opts.store, servermode: opts.servermode, verbose: opts.verbose };
      if (opts.auth === false) flags.auth = 'none';
      layers.push({ source: 'command line', values: flags });
      let config;
      try {
        config = resolveServerConfig(layers);
      } catch (e) {
        if (e instanceof CoalitionError) {
          process.stderr.write(`coalition: ${e.message}\n`);
          process.exit(2);
        }
        throw e;
      }
      const logger = createLogger({ level: config.verbose ? 'debug' : undefined, destination: terminalDestination() });
      let server;
      try {
        server = await startServer({ ...config, logger, ini, configDir: typeof opts.config === 'string' ? dirname(resolve(opts.config)) : process.cwd() });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
        process.stderr.write(`coalition: port ${config.port} on ${config.host} is already in use (another Coalition server?): stop it, or choose another port with --port\n`);
        process.exit(2);
      }
      const out = (line: string) => process.stdout.write(line + '\n');
      out(`Coalition server listening on ${server.url} (data in ${config.data})`);
      if (!server.tokens) out('WARNING: auth is off (--no-auth / auth = none): anyone who can reach this port can run commands on your workers.');
      else if (server.tokensFile) out(`Tokens (admin, worker) are in ${server.tokensFile} — readable only by you.`);
      else out('Tokens come from COALITION_ADMIN_TOKEN and COALITION_WORKER_TOKEN.');
      if (server.tokens && config.trustednetworks) out(`Trusted networks (may submit and read jobs without a token): ${config.trustednetworks}`);
      if (server.cloud.scaler) out(`Cloud mode: ${config.servermode} — the scaler starts workers while jobs wait (GET /api/cloud).`);
      let closing = false;
      const stop = async () => {
        if (closing) return;
        closing = true;
        await server.close();
        process.exit(0);
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
}
