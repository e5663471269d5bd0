import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CloudProvider, PluginContext, SetupWizard } from '../../core/plugin-api.ts';
import { registerAwsCommands } from '../../headless/aws-command.ts';
import { execFileSync } from 'node:child_process';
import { activate } from '../../plugins/aws/index.ts';
import { packWorkerBundle } from '../../plugins/aws/setup/worker-bundle.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'coalition-aws-plugin-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

function context(config: Record<string, string> = {}) {
  const providers: CloudProvider[] = [];
  const wizards: SetupWizard[] = [];
  const warn = vi.fn();
  const info = vi.fn();
  const ctx: PluginContext = {
    pluginName: 'aws', farmId: 'farm7', serverUrl: 'http://10.0.0.5:19211', dataDir: dir, config,
    logger: { info, warn, error: vi.fn(), debug: vi.fn() },
    secrets: { get: async () => undefined, set: async () => {}, delete: async () => {} },
    workerProcess: { command: process.execPath, args: [], cwd: process.cwd() },
    registerCloudProvider: (p) => { providers.push(p); return { dispose() {} }; },
    registerSetupWizard: (w) => { wizards.push(w); return { dispose() {} }; },
  };
  return { ctx, providers, wizards, warn, info };
}

describe('AWS plugin', () => {
  it('has a manifest the plugin host accepts', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../plugins/aws/package.json', import.meta.url), 'utf8'));
    expect(manifest).toMatchObject({ name: 'coalition-plugin-aws', main: 'index.ts', type: 'module', coalition: { apiVersion: 1 } });
  });

  it('registers the EC2 provider and the setup wizard, with settings from the saved cloud_aws.ini and the config', async () => {
    mkdirSync(join(dir, 'plugins', 'aws'), { recursive: true });
    writeFileSync(join(dir, 'plugins', 'aws', 'cloud_aws.ini'), '[worker]\ninstancetype = c6i.large\nspot = false\n');
    const { ctx, providers, wizards, info } = context({ slots: '1', 'slots.c6i.large': '2' });
    await activate(ctx);
    expect(providers.map((p) => p.name)).toEqual(['aws']);
    expect(wizards.map((w) => [w.id, w.steps.map((s) => s.id)])).toEqual([['aws', ['credentials', 'network', 'security-groups', 'bucket', 'iam', 'settings']]]);
    expect(await providers[0].offers()).toEqual([expect.objectContaining({ name: 'c6i.large', slots: 2, markets: ['on-demand'] })]);
    expect(info).toHaveBeenCalledWith(expect.objectContaining({ missing: ['imageId', 'bucket', 'iamInstanceProfile'] }), expect.stringContaining('aws setup'));
  });

  it('warns, without printing them, about keys in an old cloud_aws.ini', async () => {
    const legacy = join(dir, 'cloud_aws.ini');
    writeFileSync(legacy, '[authentication]\naccesskey=AKIAIOSFODNN7EXAMPLE\nsecretaccesskey=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n');
    const { ctx, warn } = context({ cloudawsini: legacy });
    await activate(ctx);
    const logged = JSON.stringify(warn.mock.calls);
    expect(logged).toContain('access keys');
    expect(logged).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(logged).not.toContain('wJalrXUtnFEMI');
  });

  it('`aws render-user-data` prints what an instance would receive', async () => {
    const ini = join(dir, 'cloud_aws.ini');
    writeFileSync(ini, '[storage]\nname = studio-renders\n[worker]\nimageid = ami-1\n');
    const printed: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => { printed.push(String(chunk)); return true; });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const program = new Command().exitOverride();
    registerAwsCommands(program);
    await program.parseAsync(['aws', 'render-user-data', '--data', join(dir, 'data'), '--farm', 'farm7', '--config', ini, '--server', 'http://10.0.0.5:19211', '--name', 'cloud-w1', '--token', 'tok123'], { from: 'user' });
    const text = printed.join('');
    expect(text.startsWith('#cloud-config')).toBe(true);
    expect(text).toContain('COALITION_BUCKET=studio-renders');
    expect(text).toContain('COALITION_WORKER_NAME=cloud-w1');
    expect(text).toContain('COALITION_WORKER_TOKEN=tok123');
    expect(text).toContain('COALITION_FARM=farm7');
  });

  it('packs the checkout as the worker bundle, without node_modules, .git or data', async () => {
    const repo = join(dir, 'repo');
    for (const sub of ['headless', 'node_modules/tsx', '.git', 'data']) mkdirSync(join(repo, sub), { recursive: true });
    writeFileSync(join(repo, 'package.json'), '{}');
    writeFileSync(join(repo, 'headless', 'main.ts'), '');
    writeFileSync(join(repo, 'node_modules', 'tsx', 'index.js'), '');
    writeFileSync(join(repo, 'data', 'secrets.json'), '{"aws.secretAccessKey":"x"}');
    mkdirSync(join(repo, 'farm-data'));
    writeFileSync(join(repo, 'farm-data', 'tokens.json'), '{}');
    const bundle = join(dir, 'coalition.tar.gz');
    await packWorkerBundle(repo, bundle);
    const files = execFileSync('tar', ['-tzf', bundle], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(files).toEqual(expect.arrayContaining(['./package.json', './headless/main.ts']));
    expect(files.filter((f) => /node_modules|\.git|^\.\/data\/|tokens\.json|secrets\.json/.test(f))).toEqual([]);
  });
});
