import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JournalCollection } from '../../core/store/journal-collection.ts';

const dir = mkdtempSync(join(tmpdir(), 'coalition-journal-'));
afterEach(() => rmSync(join(dir, 'c.db'), { force: true }));

describe('the journal store', () => {
  it('keeps the last version of each document and forgets removed ones', async () => {
    const c = new JournalCollection(join(dir, 'c.db'));
    await c.load();
    await Promise.all([c.put([{ _id: '1', v: 1 }]), c.put([{ _id: '2', v: 1 }]), c.put([{ _id: '1', v: 2 }])]);
    await c.remove(['2']);
    await c.close();
    const again = new JournalCollection(join(dir, 'c.db'));
    expect(await again.load()).toEqual([{ _id: '1', v: 2 }]);
    await again.close();
  });

  it('survives a write torn by a crash: the torn line is skipped and later writes are intact', async () => {
    const c = new JournalCollection(join(dir, 'c.db'));
    await c.load();
    await c.put([{ _id: '1', title: 'kept' }]);
    await c.close();
    appendFileSync(join(dir, 'c.db'), '{"_id":"2","title":"torn'); // the process died mid-write
    const restarted = new JournalCollection(join(dir, 'c.db'));
    expect(await restarted.load()).toEqual([{ _id: '1', title: 'kept' }]);
    await restarted.put([{ _id: '3', title: 'after' }]);
    await restarted.close();
    const third = new JournalCollection(join(dir, 'c.db'));
    expect(await third.load()).toEqual([{ _id: '1', title: 'kept' }, { _id: '3', title: 'after' }]);
    await third.compact([{ _id: '1', title: 'kept' }, { _id: '3', title: 'after' }]);
    await third.close();
    expect(readFileSync(join(dir, 'c.db'), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('writes concurrent changes in one group commit, each caller answered once its lines are in the file', async () => {
    const c = new JournalCollection(join(dir, 'c.db'));
    await c.load();
    const writes = Array.from({ length: 200 }, (_, i) => c.put([{ _id: String(i), n: i }]));
    await Promise.all(writes);
    expect(readFileSync(join(dir, 'c.db'), 'utf8').trim().split('\n')).toHaveLength(200);
    await c.close();
  });
});
