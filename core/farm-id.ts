import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The farm's id, put on every cloud resource: `COALITION_FARM_ID`, else `<data>/farm-id`
 * (made on first use). The server, the CLI and the setup wizard all use this one.
 */
export function farmIdFor(dataDir: string, explicit?: string): string {
  if (explicit) return explicit;
  if (process.env.COALITION_FARM_ID) return process.env.COALITION_FARM_ID;
  const file = join(dataDir, 'farm-id');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const id = `farm-${randomBytes(4).toString('hex')}`;
  writeFileSync(file, `${id}\n`);
  return id;
}
