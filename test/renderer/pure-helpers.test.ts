import { describe, expect, it } from 'vitest';
import { backoffMs } from '../../renderer/src/api/stream.ts';
import { frameJobs } from '../../renderer/src/frames.ts';
import { columnsFromUrl, DEFAULT_COLUMNS, queryFromUrl, queryToUrl } from '../../renderer/src/job-query.ts';
import { normalizeWorker } from '../../renderer/src/stores/workers.ts';
import { whyNothingStarts } from '../../renderer/src/why-nothing-starts.ts';
import type { CloudView } from '../../renderer/src/stores/cloud.ts';

describe('frame ranges', () => {
  it('makes one job per frame with the frame number in the command, padded on request', () => {
    const { jobs } = frameJobs('render.sh shot {frame:4} --f={frame}', 1, 10, 3, 'shot');
    expect(jobs.map((j) => j.command)).toEqual(['render.sh shot 0001 --f=1', 'render.sh shot 0004 --f=4', 'render.sh shot 0007 --f=7', 'render.sh shot 0010 --f=10']);
    expect(jobs[1].title).toBe('shot frame 4');
  });
  it('names what is wrong with a range', () => {
    expect(frameJobs('r {frame}', 5, 1, 1, 't').error).toMatch(/before the first/);
    expect(frameJobs('r {frame}', 1, 5, 0, 't').error).toMatch(/step/);
    expect(frameJobs('render.sh', 1, 5, 1, 't').error).toMatch(/\{frame\}/);
    expect(frameJobs('r {frame}', 1, 1.5, 1, 't').error).toMatch(/whole numbers/);
  });
});

describe('the jobs view in the URL', () => {
  it('round-trips a view and keeps default values out of the link', () => {
    const q = { parent: 12, expanded: [3, 4], sort: 'priority', order: 'desc' as const, states: ['ERROR' as const, 'PAUSED' as const], user: 'ana', affinity: 'gpu', worker: 'w1', q: 'shot' };
    const url = queryToUrl(q, ['id', 'title', 'state']);
    expect(url).toEqual({ parent: '12', open: '3,4', sort: 'priority', order: 'desc', state: 'ERROR,PAUSED', user: 'ana', affinity: 'gpu', worker: 'w1', q: 'shot', cols: 'id,title,state' });
    expect(queryFromUrl(url)).toEqual(q);
    expect(columnsFromUrl(url)).toEqual(['id', 'title', 'state']);
    expect(queryToUrl(queryFromUrl({}), DEFAULT_COLUMNS)).toEqual({});
  });
  it('ignores unknown states and columns from a hand-edited link', () => {
    expect(queryFromUrl({ state: 'ERROR,BOGUS', parent: 'x' })).toMatchObject({ states: ['ERROR'], parent: 0 });
    expect(columnsFromUrl({ cols: 'nope' })).toEqual(DEFAULT_COLUMNS);
  });
});

describe('stream reconnection', () => {
  it('backs off from about 0.5 s, doubling, to at most about 15 s', () => {
    expect(backoffMs(0, () => 0.5)).toBe(500);
    expect(backoffMs(3, () => 0.5)).toBe(4000);
    expect(backoffMs(30, () => 1)).toBe(18_750);
    expect(backoffMs(30, () => 0)).toBe(11_250);
  });
});

describe('workers from the old API', () => {
  it('reads cpu from JSON text and active from 1/0', () => {
    expect(normalizeWorker({ name: 'w', cpu: '[10,30]', active: 0 })).toMatchObject({ cpu: [10, 30], active: false });
    expect(normalizeWorker({ name: 'w', cpu: [5], active: true })).toMatchObject({ cpu: [5], active: true });
  });
});

describe('why nothing starts', () => {
  const status = (over: Partial<CloudView> = {}): CloudView => ({
    alerts: [], spend: {} as CloudView['spend'], budgets: {} as CloudView['budgets'],
    provider: 'local', policy: 'cost', settings: { maxInstances: 2 } as CloudView['settings'], instances: [], backoffs: [], reasons: [],
    totals: { alive: 0, perHour: 0, costSoFar: 0, launches: 0, launchFailures: 0, terminations: 0, interruptions: 0, orphans: 0, neverWorkers: { instances: 0, cost: 0 } }, ...over,
  });
  it('says nothing when no job waits or something is starting', () => {
    expect(whyNothingStarts({ queued: 0, working: 0, enabled: true, status: status(), now: 0 })).toBeNull();
    expect(whyNothingStarts({ queued: 3, working: 0, enabled: true, status: status({ instances: [{ state: 'booting' } as CloudView['instances'][0]] }), now: 0 })).toBeNull();
  });
  it("gives the scaler's blocking reason as one sentence", () => {
    const why = whyNothingStarts({ queued: 2, working: 0, enabled: true, status: status({ reasons: ['2 job(s) of linux need 2 more slot(s) but maxInstances reached — not launching'] }), now: 0 });
    expect(why).toBe('2 job(s) of linux need 2 more slot(s) but maxInstances reached: not launching.');
  });
  it('names a server without a scaler', () => {
    expect(whyNothingStarts({ queued: 1, working: 0, enabled: false, status: null, now: 0 })).toMatch(/servermode = normal/);
  });
});

describe('CSV export', () => {
  it('quotes what needs quoting', async () => {
    const { toCsv } = await import('../../renderer/src/csv.ts');
    const { row } = await import('./fake-server.ts');
    const csv = toCsv([row(1, { title: 'say "hi", then', command: 'echo a\nb' })]);
    expect(csv.split('\n')[0]).toMatch(/^id,parent,title,state/);
    expect(csv).toContain('"say ""hi"", then"');
    expect(csv).toContain('"echo a\nb"');
  });
});
