import type { Response } from 'express';

/** The header naming the ids (or worker names) a batch call did not know and skipped. */
export const UNKNOWN_HEADER = 'X-Coalition-Unknown';

/**
 * Batch calls answer `1` as the old server did (old callers compare it) and name what they
 * skipped in a header: comma-separated, each URI-encoded (worker names may hold anything).
 */
export function reportUnknown(res: Response, unknown: ReadonlyArray<string | number>): void {
  if (unknown.length) res.setHeader(UNKNOWN_HEADER, unknown.map((u) => encodeURIComponent(String(u))).join(','));
}
