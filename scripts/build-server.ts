/**
 * Builds the headless server into plain JavaScript under `dist/` (or `--out DIR`): core/,
 * headless/ and plugins/ compiled file by file (the layout is kept, so the plugin host finds
 * `dist/plugins/` and the plugins find `dist/templates/`), each plugin's package.json with its
 * `main` pointing at the compiled file, and the templates. A cloud host then runs
 * `node dist/headless/main.js server` with no TypeScript compiler at start.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const outFlag = process.argv.indexOf('--out');
const out = path.resolve(outFlag > 0 ? process.argv[outFlag + 1] : path.join(root, 'dist'));

for (const part of ['core', 'headless', 'plugins', 'templates']) rmSync(path.join(out, part), { recursive: true, force: true });
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', out], { stdio: 'inherit' });

cpSync(path.join(root, 'templates'), path.join(out, 'templates'), { recursive: true });
for (const entry of readdirSync(path.join(root, 'plugins'), { withFileTypes: true })) {
  const manifestFile = path.join(root, 'plugins', entry.name, 'package.json');
  if (!entry.isDirectory() || !existsSync(manifestFile)) continue;
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { main: string };
  manifest.main = manifest.main.replace(/\.ts$/, '.js');
  mkdirSync(path.join(out, 'plugins', entry.name), { recursive: true });
  writeFileSync(path.join(out, 'plugins', entry.name, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
}
// The compiled files are ES modules wherever the folder is put (a cloud host may copy dist/ alone).
writeFileSync(path.join(out, 'package.json'), JSON.stringify({ private: true, type: 'module' }, null, 2) + '\n');
process.stdout.write(`built the server into ${path.relative(process.cwd(), out) || '.'}/ (node ${path.relative(process.cwd(), path.join(out, 'headless', 'main.js'))} server)\n`);
