/** A stored document: `_id` is its key (the nedb convention). */
export interface Doc {
  _id: string;
  [field: string]: unknown;
}

/**
 * A collection of documents the server keeps in memory and persists. The repository
 * interface every storage engine implements, so another engine can replace the default.
 */
export interface Collection<T extends Doc = Doc> {
  /** Reads every document (the last version of each). */
  load(): Promise<T[]>;
  /** Inserts or replaces whole documents; resolves once they are written. */
  put(docs: readonly T[]): Promise<void>;
  /** Removes documents by id; resolves once written. */
  remove(ids: readonly string[]): Promise<void>;
  /** Rewrites the file with just these documents (drops superseded lines). */
  compact(docs: Iterable<T>): Promise<void>;
  /** Lines appended since the last load or compaction. */
  readonly appendedLines: number;
  close(): Promise<void>;
}
