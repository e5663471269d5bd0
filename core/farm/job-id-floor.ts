import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The highest job id ever handed out, kept in `<data>/last-job-id` so that ids are never
 * reused: without it, deleting the newest job and restarting gave its id (and its run history)
 * to the next job. Written only when jobs are deleted (the only way the highest stored id can
 * drop), before they are, so a crash in between errs on the safe side.
 */
export class JobIdFloor {
  private readonly file: string;
  private written = 0;
  private writing: Promise<void> = Promise.resolve();

  constructor(dataDir: string) {
    this.file = join(dataDir, 'last-job-id');
  }

  /** The floor saved by an earlier run (0 when none). */
  read(): number {
    try {
      const n = Number(readFileSync(this.file, 'utf8').trim());
      this.written = Number.isSafeInteger(n) && n > 0 ? n : 0;
    } catch {
      this.written = 0;
    }
    return this.written;
  }

  /** Saves `lastId` if it is above what is saved (atomically: a torn file is never read). */
  raise(lastId: number): Promise<void> {
    const next = this.writing.then(async () => {
      if (lastId <= this.written) return;
      const tmp = `${this.file}~`;
      await writeFile(tmp, `${lastId}\n`, { mode: 0o600 });
      await rename(tmp, this.file);
      this.written = lastId;
    });
    this.writing = next.catch(() => {});
    return next;
  }
}
