/**
 * `coalition worker`: runs a worker agent with N slots against a server.
 * Settings: defaults < coalition.ini `[worker]` < environment < flags; the token comes from
 * COALITION_WORKER_TOKEN only (never a flag, so it stays out of `ps` and shell history).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { Command } from 'commander';
import { parse as parseIni } from 'ini';
import { CoalitionError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { WorkerAgent } from '../core/agent/agent.ts';
import { slotNames } from '../core/agent/job-environment.ts';
import { tokenEnvironmentVariable } from '../core/agent/protocol-client.ts';
import { watchSpotInterruption } from '../core/agent/spot-watch.ts';
import { takeSecretFromEnvironment } from '../core/agent/secret-environment.ts';
import { runStartupCommand } from '../core/agent/startup-command.ts';
import { terminalDestination } from './terminal-logger.ts';
import {
  resolveWorkerSettings,
  settingsFromEnvironment,
  settingsFromIni,
  workerDefaults,
  type SettingsLayer,
  type WorkerSettings,
} from '../core/agent/worker-settings.ts';

interface WorkerFlags {
  server?: string;
  name?: string;
  affinity?: string;
  workers?: string;
  runcommand?: string;
  heartbeat?: string;
  config?: string;
  cloud?: string;
  stateDir?: string;
  verbose?: boolean;
}

export function registerWorkerCommand(program: Command): Command {
  return program
    .command('worker')
    .description('run a worker: ask the server for jobs, run them, report how they ended')
    .option('--server <url>', 'server URL, e.g. http://farm:19211')
    .option('--name <name>', 'worker name (default: this host name); with several slots, NAME-1 … NAME-N')
    .option('--affinity <a,b>', 'worker affinities, comma-separated')
    .option('--workers <n>', 'number of slots (jobs run at once)')
    .option('--runcommand <template>', 'run jobs through this template (__user__, __dir__, __cmd__)')
    .option('--heartbeat <seconds>', 'seconds between heartbeats while a job runs')
    .option('--config <file>', 'read the [worker] section of this coalition.ini')
    .option('--cloud <provider>', '"aws": watch for spot interruption notices')
    .option('--state-dir <dir>', 'where slots record their running job, so a restart after a crash stops what was left running')
    .option('--verbose', 'debug logging')
    .action(async (flags: WorkerFlags) => {
      process.exitCode = await runWorkerCommand(flags);
    });
}

/** Settings from the config file, the environment and the flags. Exported for tests. */
export function loadWorkerSettings(flags: WorkerFlags, env: NodeJS.ProcessEnv = process.env, hostname = os.hostname()): WorkerSettings {
  const layers: SettingsLayer[] = [];
  if (flags.config) {
    let text: string;
    try {
      text = readFileSync(flags.config, 'utf8');
    } catch (error) {
      throw new CoalitionError('validation', `--config ${flags.config}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    const parsed = parseIni(text) as Record<string, unknown>;
    layers.push({ source: `${flags.config} [worker]`, values: settingsFromIni(parsed.worker as Record<string, unknown> | undefined) });
  }
  layers.push({ source: 'the environment', values: settingsFromEnvironment(env) });
  layers.push({
    source: 'the command line',
    values: {
      serverUrl: flags.server,
      name: flags.name,
      affinity: flags.affinity,
      workers: flags.workers,
      runCommand: flags.runcommand,
      heartbeatSeconds: flags.heartbeat,
      cloud: flags.cloud,
      stateDir: flags.stateDir,
      verbose: flags.verbose,
    },
  });
  return resolveWorkerSettings(workerDefaults(hostname), layers);
}

async function runWorkerCommand(flags: WorkerFlags): Promise<number> {
  let settings: WorkerSettings;
  try {
    settings = loadWorkerSettings(flags);
  } catch (error) {
    if (!(error instanceof CoalitionError)) throw error;
    process.stderr.write(`coalition worker: ${error.message}\n`);
    return 2;
  }
  const logger = createLogger({ level: settings.verbose ? 'debug' : undefined, destination: terminalDestination() });
  const names = slotNames(settings.name, settings.workers);
  logger.info(
    { server: settings.serverUrl, slots: names, affinity: settings.affinity, heartbeatSeconds: settings.heartbeatSeconds, runCommand: settings.runCommand || undefined, cloud: settings.cloud || undefined },
    `coalition worker: server ${settings.serverUrl}, ${names.length} slot${names.length === 1 ? '' : 's'}: ${names.join(', ')}`,
  );
  // Read once, then gone from this process's environment (jobs can read a parent's /proc environ).
  const { value: token, scrubbed } = takeSecretFromEnvironment(tokenEnvironmentVariable);
  if (token && !scrubbed) logger.warn(`${tokenEnvironmentVariable} is removed from the environment jobs inherit, but this system does not let the worker erase it from its own start-up environment`);
  if (!token) logger.warn(`${tokenEnvironmentVariable} is not set: calling the server without a token (works only with a server started with --no-auth)`);
  if (settings.logFile) logger.warn({ logFile: settings.logFile }, 'logfile from coalition.ini is not supported yet: logging to standard output');

  const agent = new WorkerAgent({
    serverUrl: settings.serverUrl,
    token,
    slotNames: names,
    affinity: settings.affinity,
    heartbeatMs: settings.heartbeatSeconds * 1000,
    logger,
    run: settings.runCommand ? { runCommand: settings.runCommand } : {},
    stateDir: settings.stateDir,
  });

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'stopping: handing running jobs back to the queue');
    void agent.shutdown();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  if (settings.startup) await runStartupCommand(settings.startup, logger.child({ part: 'startup' }));

  const spotWatch =
    settings.cloud === 'aws'
      ? // AWS_EC2_METADATA_SERVICE_ENDPOINT: the AWS SDKs' own override of the metadata endpoint.
        watchSpotInterruption({ logger, baseUrl: process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT || undefined, onNotice: (notice) => void agent.interrupt(notice) })
      : undefined;
  const exitCode = await agent.run();
  spotWatch?.stop();
  if (exitCode === 3) logger.error('stopped: another running worker uses this worker name; start this one with another --name');
  else if (exitCode !== 0) logger.error(`every slot was refused by the server: check ${tokenEnvironmentVariable}`);
  else logger.info('worker stopped');
  // Keep-alive sockets and timers must not hold a stopping worker.
  process.exit(exitCode);
}
