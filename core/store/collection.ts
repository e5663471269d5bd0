/** A stored document: `_id` is its key (the nedb convention). */
export interface Doc {
  _id: string;
  [field: string]: unknown;
}

/**
 * A collection of documents the server keeps in memory and persists. The repository
 * interface every storage engine implements, so another engine can replace the default.
 */
export interface Collection<T = Doc> {
  /**
   * Reads every document (the last version of each). `revive` turns each parsed line into the
   * object kept (so a million lines never exist twice in memory).
   */
  load<R = T>(revive?: (doc: Doc) => R): Promise<R[]>;
  /** Inserts or replaces whole documents (by the `_id` of their line); resolves once they are written. */
  put(docs: readonly T[]): Promise<void>;
  /** Removes documents by id; resolves once written. */
  remove(ids: readonly string[]): Promise<void>;
  /** Rewrites the file with just these documents (drops superseded lines). */
  compact(docs: Iterable<T>): Promise<void>;
  /**
   * Waits for the writes in flight, then holds new ones (their callers wait) until the returned
   * function is called: the file stays still for a consistent copy (backups).
   */
  hold(): Promise<() => void>;
  /** Lines appended since the last load or compaction. */
  readonly appendedLines: number;
  close(): Promise<void>;
}

/** How a collection turns a document into its stored line (which must carry `_id`). */
export type Serialize<T> = (doc: T) => string;
