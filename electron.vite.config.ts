/**
 * `electron-vite build` (part of `npm run build`) and `electron-vite dev` (`npm run dev:desktop`).
 *
 * - main: electron/main bundled into out/main/index.js. Its imports of core/, headless/ and
 *   plugins/ are not bundled: they load the server build (dist/, made first by
 *   scripts/build-server.ts), so the core and the plugins it loads from dist/plugins/ share one
 *   copy of every module (the scaler recognises a plugin's ProviderError by its class).
 * - preload: one CommonJS file, out/preload/index.cjs, requiring only `electron` (a sandboxed
 *   preload can require nothing else).
 * - renderer: the web UI, built by renderer/vite.config.ts into renderer/dist — the very bundle
 *   the server serves, which the desktop window loads from the in-process server. Skipped (with
 *   electron-vite's "renderer config is missing" warning) while that file does not exist.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type RendererViteConfig, type UserConfig } from 'electron-vite';
import { loadConfigFromFile, type Plugin } from 'vite';

const root = path.dirname(fileURLToPath(import.meta.url));
const serverParts = new Set(['core', 'headless', 'plugins']);

function coreFromServerBuild(): Plugin {
  return {
    name: 'coalition:core-from-server-build',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!importer || !source.startsWith('.')) return null;
      const target = path.relative(root, path.resolve(path.dirname(importer), source));
      if (!serverParts.has(target.split(path.sep)[0])) return null;
      return { id: path.join(root, 'dist', target.replace(/\.ts$/, '.js')), external: true };
    },
  };
}

/** renderer/vite.config.ts as it is: its root, base, target and output, not electron-vite's (relative base, Electron's Chrome). */
async function rendererConfig(): Promise<RendererViteConfig | undefined> {
  const file = path.join(root, 'renderer', 'vite.config.ts');
  if (!existsSync(file)) return undefined;
  const loaded = await loadConfigFromFile({ command: 'build', mode: 'production' }, file, root);
  const own = (loaded?.config ?? {}) as RendererViteConfig;
  const rendererRoot = path.resolve(root, own.root ?? 'renderer');
  const asServed: Plugin = {
    name: 'coalition:renderer-as-served',
    // electron-vite's renderer preset changes these; put back the file's values, or Vite's defaults.
    config: () => ({
      base: own.base ?? '/',
      build: {
        target: own.build?.target ?? 'baseline-widely-available',
        minify: own.build?.minify ?? true,
        modulePreload: own.build?.modulePreload ?? { polyfill: true },
      },
    }),
  };
  return {
    ...own,
    root: rendererRoot,
    build: { ...own.build, outDir: path.resolve(rendererRoot, own.build?.outDir ?? 'dist'), rolldownOptions: { input: path.join(rendererRoot, 'index.html'), ...own.build?.rolldownOptions } },
    plugins: [...(own.plugins ?? []), asServed],
  };
}

export default defineConfig(async (): Promise<UserConfig> => ({
  main: {
    plugins: [coreFromServerBuild()],
    build: { outDir: path.join(root, 'out', 'main'), lib: { entry: path.join(root, 'electron', 'main', 'index.ts') }, sourcemap: true },
  },
  preload: {
    build: {
      outDir: path.join(root, 'out', 'preload'),
      lib: { entry: path.join(root, 'electron', 'preload', 'index.ts'), formats: ['cjs'] },
      rolldownOptions: { output: { format: 'cjs', entryFileNames: 'index.cjs' } },
      externalizeDeps: false,
    },
  },
  renderer: await rendererConfig(),
}));
