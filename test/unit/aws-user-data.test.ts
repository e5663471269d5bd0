import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultAwsSettings, type AwsSettings } from '../../plugins/aws/aws-settings.ts';
import { encodeUserData, loadUserDataTemplate, renderWorkerUserData } from '../../plugins/aws/user-data.ts';

const settings: AwsSettings = {
  ...defaultAwsSettings,
  region: 'eu-west-3',
  bucket: 'studio-renders',
  rendererArchive: 'srv/guerilla_render_2.3_linux64.tar.gz',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const boot = { serverUrl: 'http://10.0.0.5:19211', workerName: 'cloud-w1', workerToken: 'wt_9f8e7d6c5b4a', farmId: 'farm7' };
const template = loadUserDataTemplate(settings);
const rendered = renderWorkerUserData(template, settings, boot);

const cloudInit = spawnSync('cloud-init', ['--version'], { encoding: 'utf8' });
const hasCloudInit = cloudInit.status === 0;
const work = mkdtempSync(join(tmpdir(), 'coalition-user-data-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function schema(text: string): { ok: boolean; output: string } {
  const file = join(work, `ud-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  const res = spawnSync('cloud-init', ['schema', '--config-file', file], { encoding: 'utf8' });
  return { ok: res.status === 0, output: `${res.stdout}${res.stderr}` };
}

describe('worker user-data', () => {
  it('is a cloud-config that starts the worker with the server URL, its name, --cloud aws and its own token', () => {
    expect(rendered.startsWith('#cloud-config\n')).toBe(true);
    expect(rendered).toContain('COALITION_SERVER=http://10.0.0.5:19211');
    expect(rendered).toContain('COALITION_WORKER_NAME=cloud-w1');
    expect(rendered).toContain('COALITION_WORKER_TOKEN=wt_9f8e7d6c5b4a');
    expect(rendered).toMatch(/ExecStart=.*headless\/main\.ts worker --server \$\{COALITION_SERVER\} --name \$\{COALITION_WORKER_NAME\} --cloud aws/);
    expect(rendered).toContain('COALITION_WORKER_BUNDLE=srv/coalition.tar.gz');
    expect(rendered).toContain('COALITION_RENDERER_ARCHIVE=srv/guerilla_render_2.3_linux64.tar.gz');
    expect(rendered).not.toMatch(/\{\{/);
  });

  it('keeps the token in a root-only file and fetches from the bucket with the instance role', () => {
    expect(rendered).toMatch(/path: \/etc\/coalition\/worker\.env\n\s+owner: root:root\n\s+permissions: '0600'/);
    expect(rendered).toContain('iam_role=auto');
    expect(rendered).toContain('s3fs "$COALITION_BUCKET" "$COALITION_MOUNTPOINT"');
    expect(rendered).not.toMatch(/passwd-s3fs|accesskey/i);
  });

  it('contains no access key, even when the settings hold one', () => {
    expect(rendered).not.toMatch(/\b(AKIA|ASIA)[0-9A-Z]{16}\b/);
    expect(rendered).not.toContain(settings.secretAccessKey);
    expect(() => renderWorkerUserData(`${template}\n# {{bucket}} AKIAIOSFODNN7EXAMPLE\n`, settings, boot)).toThrow(/access key/);
  });

  it('passes `cloud-init schema`', (ctx) => {
    if (!hasCloudInit) ctx.skip('cloud-init is not installed (Debian package cloud-init): `cloud-init schema` cannot run');
    const result = schema(rendered);
    expect(result.output).toContain('Valid cloud-config');
    expect(result.ok).toBe(true);
    // The check has teeth: a broken document fails it.
    expect(schema(rendered.replace('package_update: true', 'package_update: [oops')).ok).toBe(false);
  });

  it('a missing template variable is an error at render time', () => {
    expect(() => renderWorkerUserData(`${template}\n# {{gpu_driver}}\n`, settings, boot)).toThrow(/gpu_driver/);
  });

  it('refuses values that would break the bootstrap, without echoing a token', () => {
    expect(() => renderWorkerUserData(template, { ...settings, bucket: '' }, boot)).toThrow(/bucket is empty/);
    expect(() => renderWorkerUserData(template, { ...settings, mountPoint: '/mnt/my bucket' }, boot)).toThrow(/mount_point/);
    expect(() => renderWorkerUserData(template, settings, { ...boot, workerToken: 'abc\nCOALITION_SERVER=http://evil' })).toThrow(/worker_token has characters/);
    try {
      renderWorkerUserData(template, settings, { ...boot, workerToken: 'secret$token' });
    } catch (err) {
      expect(String(err)).not.toContain('secret$token');
    }
  });

  it('is base64 for EC2 and within its 16 KB limit', () => {
    const encoded = encodeUserData(rendered);
    expect(Buffer.from(encoded, 'base64').toString('utf8')).toBe(rendered);
    expect(() => encodeUserData('x'.repeat(17_000))).toThrow(/16384/);
  });

  it('the bootstrap script is valid sh', () => {
    const script = rendered.split('path: /usr/local/sbin/coalition-bootstrap')[1].split('content: |\n')[1].split('\n  - path:')[0];
    const body = script.split('\n').map((l) => l.replace(/^ {6}/, '')).join('\n');
    const file = join(work, 'bootstrap.sh');
    writeFileSync(file, body);
    execFileSync('sh', ['-n', file]);
  });
});
