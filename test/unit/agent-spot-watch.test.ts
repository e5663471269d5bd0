import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { watchSpotInterruption, type SpotNotice } from '../../core/agent/spot-watch.ts';
import { createLogger } from '../../core/logger.ts';

const logger = createLogger({ quiet: true });

/** Speaks the two IMDSv2 calls the watch makes; the notice appears when `notice` is set. */
async function metadataService() {
  const state = { notice: undefined as object | undefined, tokenRequests: 0, checks: 0, checksWithToken: 0, ttlHeader: '' };
  const server = http.createServer((req, res) => {
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      state.tokenRequests += 1;
      state.ttlHeader = String(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      return res.end('imds-token');
    }
    if (req.method === 'GET' && req.url === '/latest/meta-data/spot/instance-action') {
      state.checks += 1;
      if (req.headers['x-aws-ec2-metadata-token'] !== 'imds-token') return res.writeHead(401).end();
      state.checksWithToken += 1;
      if (!state.notice) return res.writeHead(404).end('Not Found');
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end(JSON.stringify(state.notice));
    }
    res.writeHead(400).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { state, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(r)) };
}

describe('spot interruption watch', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('reports nothing while the notice is absent, then the notice once it appears', async () => {
    const imds = await metadataService();
    cleanups.push(imds.close);
    const notices: SpotNotice[] = [];
    let polls = 0;
    const watch = watchSpotInterruption({
      logger,
      baseUrl: imds.url,
      onNotice: (notice) => notices.push(notice),
      // Each poll's wait is where the test moves on: the notice appears after the third check.
      sleep: async () => {
        polls += 1;
        if (polls === 3) imds.state.notice = { action: 'terminate', time: '2026-11-24T23:00:00Z' };
      },
    });
    cleanups.push(watch.stop);
    await watch.done;
    expect(notices).toEqual([{ action: 'terminate', at: Date.parse('2026-11-24T23:00:00Z') }]);
    expect(imds.state.checks).toBe(4);
    expect(imds.state.checksWithToken).toBe(4);
    // The token is reused, not fetched for every check.
    expect(imds.state.tokenRequests).toBe(1);
    expect(imds.state.ttlHeader).toBe('21600');
  });

  it('keeps polling quietly where there is no metadata service, until stopped', async () => {
    const imds = await metadataService();
    await imds.close(); // nothing listens there any more
    let polls = 0;
    const notices: SpotNotice[] = [];
    const watch = watchSpotInterruption({
      logger,
      baseUrl: imds.url,
      onNotice: (notice) => notices.push(notice),
      sleep: async () => {
        polls += 1;
        if (polls === 3) watch.stop();
      },
    });
    await watch.done;
    expect(polls).toBe(3);
    expect(notices).toEqual([]);
  });
});
