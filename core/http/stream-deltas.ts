/**
 * What the event stream last carried of each job or worker, so that a message carries only the
 * fields that changed since (stream-messages.ts). Bounded: past `capacity` entries the least
 * recently carried are forgotten, and such an entry goes whole the next time it changes (a
 * superset of its changes, which the contract allows).
 */
type Fields = Record<string, unknown>;

export class StreamDeltas<K> {
  private readonly carried = new Map<K, Fields>();

  constructor(
    /** The field every entry keeps (`id` for jobs, `name` for workers). */
    private readonly keyField: string,
    private readonly capacity: number,
  ) {}

  get size(): number {
    return this.carried.size;
  }

  /**
   * The entry to send for `item`: the whole of it when it was not carried before, else its key
   * and the fields that changed; `undefined` when nothing changed.
   */
  delta(key: K, item: object): object | undefined {
    const fields = item as Fields;
    const before = this.carried.get(key);
    if (!before) {
      this.remember(key, copyOf(fields));
      return item;
    }
    let out: Fields | undefined;
    for (const name of Object.keys(fields)) {
      const value = fields[name];
      if (same(value, before[name])) continue;
      out ??= { [this.keyField]: fields[this.keyField] };
      out[name] = value;
      before[name] = Array.isArray(value) ? [...value] : value;
    }
    this.remember(key, before);
    return out;
  }

  forget(key: K): void {
    this.carried.delete(key);
  }

  clear(): void {
    this.carried.clear();
  }

  private remember(key: K, fields: Fields): void {
    this.carried.delete(key); // re-inserted last: the map's order is the recency order
    this.carried.set(key, fields);
    if (this.carried.size > this.capacity) this.carried.delete(this.carried.keys().next().value as K);
  }
}

function copyOf(fields: Fields): Fields {
  const out: Fields = {};
  for (const name of Object.keys(fields)) {
    const value = fields[name];
    out[name] = Array.isArray(value) ? [...value] : value;
  }
  return out;
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
