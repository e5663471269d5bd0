/**
 * A fuzz campaign with a fixed seed over every route of a real server process (bounded to well
 * under a minute; `npm run fuzz -- --seed N --count M` runs longer ones): no 5xx, no crash, a
 * refused request changes nothing, and the server still serves at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, removeDir, startServerProcess, type ServerProc } from '../helpers/processes.ts';
import { runCampaign, type CampaignResult } from '../fuzz/fuzz-campaign.ts';

const SEED = 20_260_107;
const COUNT = 2_000;

let server: ServerProc;
let result: CampaignResult;

beforeAll(async () => {
  server = await startServerProcess({ env: { COALITION_TIMEOUT: '3600', COALITION_MAXWAIT: '200', COALITION_LOG_LEVEL: 'fatal' } });
  let exited = false;
  void server.exited.then(() => (exited = true));
  result = await runCampaign({ url: server.url, dataDir: server.dataDir, seed: SEED, count: COUNT, exited: () => exited });
}, 150_000);

afterAll(async () => {
  await killAll();
  removeDir(server.dataDir);
});

describe(`fuzz, seed ${SEED}, ${COUNT} requests`, () => {
  it('no 5xx, no crash, no change by a refused request, and the server still serves', () => {
    expect(result.failures).toEqual([]);
    expect(result.sent).toBe(COUNT);
    // The campaign reached the refusal paths, not only the happy ones.
    for (const status of ['200', '400', '401', '403', '404', '409', '413']) expect(result.byStatus[status], `answers ${status}`).toBeGreaterThan(0);
  });
});
