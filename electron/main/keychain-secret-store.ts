import path from 'node:path';
import type { SafeStorage } from 'electron';
import type { SecretStore } from '../../core/plugin-api.ts';
import { FileSecretStore, secretEnvName } from '../../core/plugins/file-secret-store.ts';

export type Keychain = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'>;

/**
 * The desktop's secret store: each value encrypted by the OS keychain through Electron's
 * `safeStorage` (Keychain on macOS, DPAPI on Windows, libsecret/KWallet on Linux); the
 * ciphertext is kept, base64, in `<dir>/secrets.json` (mode 0600, written like the headless
 * store). Where no keychain is available (Linux without a secret service: the "basic_text"
 * backend, a fixed key) it stores nothing and says why. The environment override
 * `COALITION_SECRET_<KEY>` works as headless.
 */
export class KeychainSecretStore implements SecretStore {
  private readonly sealed: FileSecretStore;

  constructor(
    dir: string,
    private readonly keychain: Keychain,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.sealed = new FileSecretStore(dir, {});
  }

  get file(): string {
    return path.resolve(this.sealed.file);
  }

  /** Why secrets cannot be kept, or undefined when the keychain works (ask after the app is ready). */
  unavailableReason(): string | undefined {
    if (!this.keychain.isEncryptionAvailable()) return 'this system offers no keychain to encrypt with';
    if (process.platform === 'linux' && this.keychain.getSelectedStorageBackend() === 'basic_text') {
      return 'no secret service (GNOME Keyring, KWallet) is running, so secrets would be stored under a fixed key';
    }
    return undefined;
  }

  async get(key: string): Promise<string | undefined> {
    const fromEnv = this.env[secretEnvName(key)];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    const sealed = await this.sealed.get(key);
    if (sealed === undefined || this.unavailableReason()) return undefined;
    return this.keychain.decryptString(Buffer.from(sealed, 'base64'));
  }

  async set(key: string, value: string): Promise<void> {
    const reason = this.unavailableReason();
    if (reason) {
      throw new Error(`cannot keep "${key}": ${reason}; the desktop app keeps no secret in a plain file (set ${secretEnvName(key)} in the environment, or use the default AWS credential chain)`);
    }
    await this.sealed.set(key, this.keychain.encryptString(value).toString('base64'));
  }

  delete(key: string): Promise<void> {
    return this.sealed.delete(key);
  }
}
