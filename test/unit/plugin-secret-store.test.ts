import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSecretStore, scopedSecretStore, secretEnvName } from '../../core/plugins/file-secret-store.ts';

describe('file secret store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'coalition-secrets-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps secrets in secrets.json readable by its owner only', async () => {
    const store = new FileSecretStore(path.join(dir, 'data'), {});
    expect(await store.get('aws.secretAccessKey')).toBeUndefined();
    await store.set('aws.secretAccessKey', 'abc');
    await store.set('aws.accessKeyId', 'AKIA');
    const file = path.join(dir, 'data', 'secrets.json');
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ 'aws.secretAccessKey': 'abc', 'aws.accessKeyId': 'AKIA' });
    await store.delete('aws.accessKeyId');
    expect(await new FileSecretStore(path.join(dir, 'data'), {}).get('aws.accessKeyId')).toBeUndefined();
    expect(await store.get('aws.secretAccessKey')).toBe('abc');
  });

  it('lets COALITION_SECRET_<KEY> in the environment win over the file', async () => {
    expect(secretEnvName('aws.secretAccessKey')).toBe('COALITION_SECRET_AWS_SECRET_ACCESS_KEY');
    const store = new FileSecretStore(dir, { COALITION_SECRET_AWS_SECRET_ACCESS_KEY: 'from-env' });
    await store.set('aws.secretAccessKey', 'from-file');
    expect(await store.get('aws.secretAccessKey')).toBe('from-env');
  });

  it('keeps concurrent writes', async () => {
    const store = new FileSecretStore(dir, {});
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(`k${i}`, `v${i}`)));
    expect(Object.keys(JSON.parse(await readFile(path.join(dir, 'secrets.json'), 'utf8')))).toHaveLength(20);
  });

  it('gives each plugin its own key space', async () => {
    const store = new FileSecretStore(dir, { COALITION_SECRET_AWS_TOKEN: 'env-token' });
    const aws = scopedSecretStore(store, 'aws');
    const other = scopedSecretStore(store, 'other');
    await other.set('token', 'x');
    expect(await aws.get('token')).toBe('env-token');
    expect(await other.get('token')).toBe('x');
  });
});
