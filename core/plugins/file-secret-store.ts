import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SecretStore } from '../plugin-api.ts';

/**
 * `secretAccessKey` → `COALITION_SECRET_SECRET_ACCESS_KEY`, `aws.keyId` → `COALITION_SECRET_AWS_KEY_ID`.
 */
export function secretEnvName(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return `COALITION_SECRET_${words.toUpperCase()}`;
}

/**
 * The headless secret store: `secrets.json` in the data dir, readable by its owner only
 * (mode 0600), with an environment override `COALITION_SECRET_<KEY>` that wins over the file
 * (so a container can inject secrets without writing them to disk). Values are never logged.
 */
export class FileSecretStore implements SecretStore {
  readonly file: string;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(
    dataDir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.file = path.join(dataDir, 'secrets.json');
  }

  async get(key: string): Promise<string | undefined> {
    const fromEnv = this.env[secretEnvName(key)];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    const all = await this.readAll();
    return all[key];
  }

  set(key: string, value: string): Promise<void> {
    return this.update((all) => {
      all[key] = value;
    });
  }

  delete(key: string): Promise<void> {
    return this.update((all) => {
      delete all[key];
    });
  }

  private async readAll(): Promise<Record<string, string>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`${this.file} is not a JSON object`);
    }
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  }

  /** Writes are serialized and atomic (temp file with mode 0600, then rename). */
  private update(change: (all: Record<string, string>) => void): Promise<void> {
    const next = this.writing.then(async () => {
      const all = await this.readAll();
      change(all);
      await mkdir(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(all, null, 2), { mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, this.file);
    });
    this.writing = next.catch(() => undefined);
    return next;
  }
}

/** A view of `store` whose keys are prefixed with `<plugin>.`, so plugins do not collide. */
export function scopedSecretStore(store: SecretStore, pluginName: string): SecretStore {
  const k = (key: string) => `${pluginName}.${key}`;
  return {
    get: (key) => store.get(k(key)),
    set: (key, value) => store.set(k(key), value),
    delete: (key) => store.delete(k(key)),
  };
}
