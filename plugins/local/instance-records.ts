import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** What the local provider remembers about a worker process it started. */
export interface LocalInstanceRecord {
  id: string;
  pid: number;
  workerName: string;
  instanceType: string;
  market: 'on-demand';
  launchedAt: number;
  tags: Record<string, string>;
  logFile: string;
  /** Set when a terminate was asked for, so a restarted server still reports `stopping`. */
  terminatingAt?: number;
}

/**
 * `instances.json`: the records survive a server restart, so `list()` still reports the
 * worker processes that outlived it. Writes are atomic (temp file + rename).
 */
export class InstanceRecordFile {
  constructor(readonly file: string) {}

  async load(): Promise<LocalInstanceRecord[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) throw new Error(`${this.file}: expected a JSON array of instance records`);
    return parsed.filter(isRecord);
  }

  async save(records: Iterable<LocalInstanceRecord>): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify([...records], null, 2));
    await rename(tmp, this.file);
  }
}

function isRecord(value: unknown): value is LocalInstanceRecord {
  const r = value as Partial<LocalInstanceRecord> | null;
  return (
    typeof r === 'object' && r !== null &&
    typeof r.id === 'string' && Number.isInteger(r.pid) && (r.pid ?? 0) > 0 &&
    typeof r.workerName === 'string' && typeof r.launchedAt === 'number' &&
    typeof r.tags === 'object' && r.tags !== null
  );
}
