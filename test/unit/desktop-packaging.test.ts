/**
 * The packaging and the desktop build, checked without the Electron binary (it cannot be
 * downloaded here): electron-builder.yml through electron-builder's own loading and schema
 * validation, the fuses through the afterPack hook flipping a stand-in binary's fuse wire with
 * @electron/fuses, and the electron-vite build's output.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FuseV1Options, getCurrentFuseWire, flipFuses } from '@electron/fuses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, removeDir, tempDir } from '../helpers/processes.ts';

// electron-builder's own config loading and validation (app-builder-lib is what electron-builder runs).
const { getConfig, validateConfiguration } = await import('app-builder-lib/out/util/config/config.js');
const { DebugLogger } = await import('builder-util/out/DebugLogger.js');

/** The parts of the loaded configuration this test reads. */
interface PackConfig {
  linux: { target: string[]; icon: string };
  win: { target: string; icon: string };
  mac: { target: string; icon: string };
  nsis: Record<string, unknown>;
  files: Array<{ filter: string[] }>;
  asar: boolean;
  directories: { output: string };
  afterPack: string;
}
const load = async () => (await getConfig(REPO, path.join(REPO, 'electron-builder.yml'), null)) as unknown as PackConfig;
const validate = (config: unknown) => validateConfiguration(config as Parameters<typeof validateConfiguration>[0], new DebugLogger(false));

describe('electron-builder.yml', () => {
  it('passes electron-builder\'s schema and names the four packages, with icons that exist', async () => {
    const config = await load();
    await validate(config);
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toBe('nsis');
    expect(config.mac.target).toBe('dmg');
    for (const icon of [config.linux.icon, config.win.icon, config.mac.icon]) expect(existsSync(path.join(REPO, icon))).toBe(true);
    expect(readFileSync(path.join(REPO, config.mac.icon)).subarray(0, 4).toString()).toBe('icns');
    expect(readFileSync(path.join(REPO, config.win.icon)).readUInt16LE(2)).toBe(1); // an ICO
    // The app holds the main process and preload, the server build with plugins and templates, and the web UI.
    expect(config.files[0].filter).toEqual(expect.arrayContaining(['out/**/*', 'dist/**/*', 'renderer/dist/**/*']));
    expect(config.asar).toBe(true);
    expect(config.directories.output).toBe('release');
    expect(existsSync(path.join(REPO, config.afterPack))).toBe(true);
  });

  it('is really validated: a wrong value is refused by name', async () => {
    const config = await load();
    await expect(validate({ ...config, nsis: { ...config.nsis, oneClick: 'sometimes' } })).rejects.toThrow(/oneClick/);
    await expect(validate({ ...config, fusesPlease: true })).rejects.toThrow(/fusesPlease/);
  });
});

describe('the fuses (afterPack hook)', () => {
  let dir: string;
  beforeAll(() => (dir = tempDir('coalition-fuses-')));
  afterAll(() => removeDir(dir));

  it('turns RunAsNode, NODE_OPTIONS and --inspect off and asar integrity and asar-only loading on', async () => {
    // A stand-in executable: Electron's fuse sentinel, wire version 1, 8 fuses as Electron ships them.
    const binary = path.join(dir, 'coalition');
    const shipped = '10110001';
    writeFileSync(binary, Buffer.concat([Buffer.from('\x7fELF…'), Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'), Buffer.from([1, 8]), Buffer.from(shipped), Buffer.from('…rest')]));
    const hook = (await import(pathToFileURL(path.join(REPO, 'scripts', 'after-pack-fuses.mjs')).href)) as { default(context: unknown): Promise<void> };
    await hook.default({
      electronPlatformName: 'linux',
      arch: 1,
      appOutDir: dir,
      packager: { addElectronFuses: (_context: unknown, fuses: Parameters<typeof flipFuses>[1]) => flipFuses(binary, fuses) },
    });
    const wire = await getCurrentFuseWire(binary);
    const on = (fuse: FuseV1Options) => wire[fuse] === 49; // '1'
    expect(on(FuseV1Options.RunAsNode)).toBe(false);
    expect(on(FuseV1Options.EnableNodeOptionsEnvironmentVariable)).toBe(false);
    expect(on(FuseV1Options.EnableNodeCliInspectArguments)).toBe(false);
    expect(on(FuseV1Options.EnableEmbeddedAsarIntegrityValidation)).toBe(true);
    expect(on(FuseV1Options.OnlyLoadAppFromAsar)).toBe(true);
    expect(on(FuseV1Options.GrantFileProtocolExtraPrivileges)).toBe(true); // left as shipped
  });
});

describe('the desktop build (electron-vite)', () => {
  // As `npm run build` runs them: vitest's NODE_ENV=test would make Vue build differently.
  const asBuilt = { ...process.env, NODE_ENV: undefined };
  let out: string;
  beforeAll(() => {
    out = tempDir('coalition-desktop-build-');
    execFileSync(process.execPath, [path.join(REPO, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '--outDir', out], { cwd: REPO, stdio: 'pipe', env: asBuilt });
  }, 120_000);
  afterAll(() => removeDir(out));

  it('bundles the sandboxed preload into one CommonJS file that requires only electron', () => {
    const preload = readFileSync(path.join(out, 'preload', 'index.cjs'), 'utf8');
    expect([...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])).toEqual(['electron']);
    expect(preload).not.toMatch(/^\s*(import|export)\s/m);
    expect(preload).toContain('exposeInMainWorld("coalitionDesktop"');
  });

  it('loads the core from the server build, not a bundled copy', () => {
    const main = readdirSync(path.join(out, 'main')).filter((f) => f.endsWith('.js')).map((f) => readFileSync(path.join(out, 'main', f), 'utf8')).join('\n');
    const specifiers = [...main.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
    const local = specifiers.filter((s) => s.startsWith('.') && !s.startsWith('./'));
    expect(local.length).toBeGreaterThan(0);
    // Relative to out/main/: the packed app (and a clone) has dist/ beside out/.
    for (const s of local) expect(s).toMatch(/^\.\.\/\.\.\/dist\/(core|headless)\/[\w/.-]+\.js$/);
    expect(main).not.toContain('class Farm');
  });

  it('builds the web UI exactly as renderer/vite.config.ts does (the bundle the server serves)', () => {
    const plain = tempDir('coalition-renderer-build-');
    try {
      execFileSync(process.execPath, [path.join(REPO, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', path.join(REPO, 'renderer', 'vite.config.ts'), '--outDir', plain], { cwd: REPO, stdio: 'pipe', env: asBuilt });
      const files = (dir: string) => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
      const fromElectronVite = path.join(out, 'renderer');
      expect(files(fromElectronVite)).toEqual(files(plain));
      for (const f of files(plain)) expect(readFileSync(path.join(fromElectronVite, f)).equals(readFileSync(path.join(plain, f))), f).toBe(true);
    } finally {
      removeDir(plain);
    }
  });
});
