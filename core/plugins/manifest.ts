import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** The `package.json` fields the host reads from a plugin folder. */
export const pluginManifestSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" or "-"'),
  version: z.string().min(1),
  main: z.string().min(1),
  /** `.ts`/`.js` mains are ES modules (they `import` the plugin API), so the package must say so. */
  type: z.string().optional(),
  coalition: z.object({
    apiVersion: z.number().int().positive(),
  }),
});

export type PluginManifest = z.infer<typeof pluginManifestSchema>;

/** Manifests may use the npm-style `coalition-plugin-<name>`; config sections and data dirs use `<name>`. */
const NAME_PREFIX = 'coalition-plugin-';

export function shortPluginName(manifestName: string): string {
  return manifestName.startsWith(NAME_PREFIX) && manifestName.length > NAME_PREFIX.length
    ? manifestName.slice(NAME_PREFIX.length)
    : manifestName;
}

export type ManifestResult =
  | { ok: true; manifest: PluginManifest; mainPath: string }
  | { ok: false; error: string; name?: string; version?: string };

/**
 * Reads and validates `<dir>/package.json`. The error names the offending field
 * (e.g. `coalition.apiVersion: expected number`) so a plugin author can fix it.
 */
export async function readManifest(dir: string): Promise<ManifestResult> {
  const file = path.join(dir, 'package.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    return { ok: false, error: `cannot read ${file}: ${(err as Error).message}` };
  }
  const loose = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const name = typeof loose.name === 'string' ? loose.name : undefined;
  const version = typeof loose.version === 'string' ? loose.version : undefined;
  const parsed = pluginManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    return { ok: false, name, version, error: `invalid plugin manifest ${file}: ${problems.join('; ')}` };
  }
  if (/\.(ts|js)$/.test(parsed.data.main) && parsed.data.type !== 'module') {
    return { ok: false, name, version, error: `invalid plugin manifest ${file}: type: must be "module" (the main module is an ES module)` };
  }
  const mainPath = path.resolve(dir, parsed.data.main);
  if (path.relative(dir, mainPath).startsWith('..')) {
    return { ok: false, name, version, error: `invalid plugin manifest ${file}: main: must be inside the plugin folder` };
  }
  return { ok: true, manifest: parsed.data, mainPath };
}
