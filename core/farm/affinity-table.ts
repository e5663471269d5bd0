import { validationError } from '../errors.ts';
import type { Collection } from '../store/collection.ts';

/** Slots the old server numbered its affinities with (bits of a 63-bit mask). */
export const AFFINITY_SLOTS = 63;
const DOC_ID = 'affinities';

/**
 * The old server's affinity table: names for slots 1 to 63, which its scripts set
 * (`POST /api/affinities {"1": "linux", …}`) and read back as `{"1": "linux", …, "63": ""}`.
 * Jobs and workers here name their affinities directly, so the table only keeps what scripts
 * set; it is stored in the settings collection.
 */
export class AffinityTable {
  private readonly names = new Map<number, string>();

  constructor(private readonly settings: Collection) {}

  async load(): Promise<void> {
    const doc = (await this.settings.load()).find((d) => d._id === DOC_ID);
    for (const [slot, name] of Object.entries((doc?.names ?? {}) as Record<string, unknown>)) {
      if (typeof name === 'string') this.names.set(Number(slot), name);
    }
  }

  /** Every slot, 1 to 63, '' when unnamed. */
  all(): Record<string, string> {
    const out: Record<string, string> = {};
    for (let slot = 1; slot <= AFFINITY_SLOTS; slot++) out[slot] = this.names.get(slot) ?? '';
    return out;
  }

  /** Names slots from `{ "1": "linux", … }`; slots past 63 are ignored, as the old server did. */
  async set(body: unknown): Promise<void> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw validationError('body must be an object { "<slot 1-63>": "<affinity name>" }');
    const updates: Array<[number, string]> = [];
    for (const [key, name] of Object.entries(body)) {
      if (!/^\d+$/.test(key) || Number(key) < 1) throw validationError(`affinity slot "${key}" is not a number from 1 to ${AFFINITY_SLOTS}`);
      if (typeof name !== 'string') throw validationError(`affinity slot ${key}: the name must be a string`);
      if (name.length > 1000) throw validationError(`affinity slot ${key}: the name is too long (1,000 characters at most)`);
      if (Number(key) <= AFFINITY_SLOTS) updates.push([Number(key), name]);
    }
    for (const [slot, name] of updates) this.names.set(slot, name);
    await this.settings.put([{ _id: DOC_ID, names: Object.fromEntries(this.names) }]);
  }
}
