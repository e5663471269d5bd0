import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { farmIdFor } from '../core/farm-id.ts';
import { FileSecretStore, scopedSecretStore } from '../core/plugins/file-secret-store.ts';
import type { PluginContext, SetupStep, SetupWizard } from '../core/plugin-api.ts';
import { defaultWorkerProcess } from '../core/worker-process.ts';
import { loadAwsSettings, setupContextFor } from '../plugins/aws/index.ts';
import { createAwsSetupWizard } from '../plugins/aws/setup/wizard.ts';
import { loadUserDataTemplate, renderWorkerUserData } from '../plugins/aws/user-data.ts';
import { terminalLogger } from './terminal-logger.ts';

type Opts = Record<string, string | boolean | string[] | undefined>;

const out = (line = '') => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);


function pluginContext(opts: Opts): PluginContext {
  const dataDir = resolve(String(opts.data ?? './data'));
  const config: Record<string, string> = opts.config ? { cloudawsini: resolve(String(opts.config)) } : {};
  return {
    pluginName: 'aws',
    farmId: farmIdFor(dataDir, opts.farm as string | undefined),
    serverUrl: String(opts.server ?? ''),
    dataDir,
    config,
    logger: terminalLogger(err),
    secrets: scopedSecretStore(new FileSecretStore(dataDir), 'aws'),
    workerProcess: defaultWorkerProcess(),
    registerCloudProvider: () => ({ dispose() {} }),
    registerSetupWizard: () => ({ dispose() {} }),
  };
}

function wizardFor(opts: Opts): SetupWizard {
  const ctx = pluginContext(opts);
  return createAwsSetupWizard(setupContextFor(ctx, loadAwsSettings(ctx)));
}

async function ask(question: string, opts: { secret?: boolean; fallback?: string } = {}): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  if (opts.secret) {
    // Echo the question, not what is typed.
    const muted = rl as unknown as { _writeToOutput: (s: string) => void };
    muted._writeToOutput = (s: string) => {
      if (s.includes(question)) process.stdout.write(s);
    };
  }
  try {
    const answer = await rl.question(`${question}${opts.fallback ? ` [${opts.fallback}]` : ''}: `);
    return answer.trim() || opts.fallback || '';
  } finally {
    rl.close();
    if (opts.secret) out();
  }
}

/** Answers from flags (`--office-cidr` → officeCidr), `--set key=value`, then prompts when interactive. */
async function answersFor(step: SetupStep, opts: Opts, given: Record<string, string>, interactive: boolean): Promise<Record<string, string>> {
  for (const field of step.fields) {
    if (given[field.key] !== undefined) continue;
    const flag = opts[field.key];
    if (typeof flag === 'string') {
      given[field.key] = flag;
    } else if (interactive) {
      given[field.key] = await ask(field.label, { secret: field.secret, fallback: field.secret ? undefined : field.default });
    } else if (field.default !== undefined) {
      given[field.key] = field.default;
    }
  }
  return given;
}

async function runSetup(opts: Opts): Promise<void> {
  const wizard = wizardFor(opts);
  const interactive = Boolean(process.stdin.isTTY) && !opts.yes;
  const given: Record<string, string> = {};
  for (const pair of (opts.set as string[] | undefined) ?? []) {
    const at = pair.indexOf('=');
    if (at > 0) given[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const steps = opts.only ? wizard.steps.filter((s) => s.id === opts.only) : wizard.steps;
  if (steps.length === 0) throw new Error(`no step "${String(opts.only)}"; steps: ${wizard.steps.map((s) => s.id).join(', ')}`);
  for (const [i, step] of steps.entries()) {
    out(`\n[${i + 1}/${steps.length}] ${step.title}`);
    const input = await answersFor(step, opts, given, interactive);
    const plan = await step.plan(input);
    for (const p of plan) out(`  ${p.action.padEnd(7)} ${p.resource} ${p.name}${p.detail ? ` — ${p.detail}` : ''}`);
    if (interactive && plan.some((p) => p.action !== 'reuse')) {
      const go = await ask('Apply? (yes/no/skip)', { fallback: 'yes' });
      if (go.startsWith('s')) continue;
      if (!go.startsWith('y')) throw new Error('stopped; nothing more changed');
    }
    const outcome = await step.apply(input, (fraction, message) => {
      process.stderr.write(`\r  ${Math.round(fraction * 100).toString().padStart(3)}% ${message}`.padEnd(70));
      if (fraction >= 1) process.stderr.write('\n');
    });
    out(`  ${outcome.ok ? 'ok' : 'FAILED'}: ${outcome.message}`);
    if (!outcome.ok) {
      if (outcome.missingPermission) out(`  missing permission: ${outcome.missingPermission}`);
      process.exitCode = 1;
      return;
    }
    Object.assign(given, outcome.values ?? {});
  }
  out('\nDone. Set `servermode = aws` and restart the server.');
}

async function runTeardown(opts: Opts): Promise<void> {
  const wizard = wizardFor(opts);
  const plan = await wizard.teardownPlan();
  if (plan.length === 0) {
    out('The setup created nothing (or it is already torn down).');
    return;
  }
  out('The teardown deletes, in this order:');
  for (const p of plan) out(`  delete ${p.resource} ${p.name}${p.detail ? ` (${p.detail})` : ''}`);
  let go = Boolean(opts.yes);
  if (!go && process.stdin.isTTY) go = (await ask('Delete all of this? (type yes)')) === 'yes';
  if (!go) {
    out('Nothing deleted (run with --yes to delete).');
    return;
  }
  const outcome = await wizard.teardown();
  out(`${outcome.ok ? 'ok' : 'FAILED'}: ${outcome.message}`);
  if (outcome.missingPermission) out(`missing permission: ${outcome.missingPermission}`);
  if (!outcome.ok) process.exitCode = 1;
}

function renderUserData(opts: Opts): void {
  const ctx = pluginContext(opts);
  const settings = loadAwsSettings(ctx);
  if (opts.template) settings.userDataTemplate = resolve(String(opts.template));
  const serverUrl = String(opts.server ?? '') || settings.serverUrl;
  if (!serverUrl) throw new Error('give --server URL (or serverurl in the AWS settings)');
  if (!opts.token) err('note: using a placeholder worker token; the scaler gives each instance its own.');
  out(renderWorkerUserData(loadUserDataTemplate(settings), settings, {
    serverUrl,
    workerName: String(opts.name ?? `${settings.namePrefix}example`),
    workerToken: String(opts.token ?? 'EXAMPLE-per-instance-token'),
    farmId: ctx.farmId,
  }).trimEnd());
}

function guarded(fn: (opts: Opts) => Promise<void> | void) {
  return async (opts: Opts) => {
    try {
      await fn(opts);
    } catch (e) {
      err(`coalition aws: ${(e as Error).message}`);
      process.exitCode = 1;
    }
  };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `coalition aws setup | teardown | render-user-data`. */
export function registerAwsCommands(program: Command): void {
  const aws = program.command('aws').description('cloud mode on AWS: guided setup, teardown, worker user-data');
  const common = (c: Command) => c
    .option('--data <dir>', 'data directory of the server', './data')
    .option('--farm <id>', 'farm id (default: COALITION_FARM_ID or <data>/farm-id)')
    .option('--config <file>', 'an existing cloud_aws.ini to start from');

  common(aws.command('setup').description('set up (or check) everything cloud mode needs, step by step; running it again creates nothing new'))
    .option('-y, --yes', 'answer every question with its default or flag, apply without asking')
    .option('--only <step>', 'run one step: credentials, network, security-groups, bucket, iam, settings')
    .option('--region <region>', 'AWS region')
    .option('--vpc-id <id>', 'reuse this VPC (with --subnet-id)')
    .option('--subnet-id <id>', 'reuse this subnet')
    .option('--office-cidr <cidr>', 'public IP or CIDR of the office, allowed to reach the server')
    .option('--bucket <name>', 'bucket name')
    .option('--worker-bundle <file>', 'worker bundle .tar.gz (default: pack this checkout)')
    .option('--renderer-archive <file>', 'renderer archive to upload under srv/')
    .option('--role-name <name>', 'name of the workers\' role and instance profile')
    .option('--instance-types <list>', 'instance types, comma-separated')
    .option('--image-id <ami>', 'AMI (default: latest official Debian 12)')
    .option('--spot <bool>', 'use spot when cheaper (true/false)')
    .option('--key-name <name>', 'EC2 key pair for SSH')
    .option('--server-url <url>', 'URL workers reach the server at')
    .option('--ini-path <file>', 'also write the settings to this cloud_aws.ini')
    .option('--set <key=value>', 'any step field, e.g. --set vpcCidr=10.50.0.0/16 (repeatable)', collect)
    .action(guarded(runSetup));

  common(aws.command('teardown').description('preview, then delete in reverse order what the setup created'))
    .option('-y, --yes', 'delete without asking')
    .action(guarded(runTeardown));

  common(aws.command('render-user-data').description('print the cloud-config an instance would receive'))
    .option('--server <url>', 'server URL the worker reaches')
    .option('--name <name>', 'worker name')
    .option('--token <token>', 'worker token (default: a placeholder)')
    .option('--template <file>', 'a template other than templates/aws-worker.cloud-init.yaml')
    .action(guarded(renderUserData));
}
