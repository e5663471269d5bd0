/**
 * The deployment files: the Dockerfile checked by a Dockerfile validator (docker itself cannot
 * run here), the systemd unit by `systemd-analyze verify`, and every metric the Grafana
 * dashboard charts exists on a real server's /metrics.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { REPO, TEST_TOKENS } from '../helpers/processes.ts';
import { call, startTestFarm } from '../helpers/access-fixtures.ts';

describe('deployment files', () => {
  it('the Dockerfile parses with no problem reported, runs as a non-root user, and copies what exists', () => {
    const text = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
    expect(validate(text).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
    expect(validate('FROM node:20\nCOPY\nRUNN x\n').length).toBeGreaterThan(0); // the validator does find faults
    expect(text).toMatch(/^USER coalition$/m);
    for (const [, src] of text.matchAll(/^COPY (\S+) /gm)) expect(existsSync(join(REPO, src)), src).toBe(true);
  });

  it.runIf(existsSync('/usr/bin/systemd-analyze'))('the systemd unit verifies', () => {
    const r = spawnSync('systemd-analyze', ['verify', join(REPO, 'deploy/coalition.service')], { encoding: 'utf8' });
    expect(r.stderr.trim()).toBe('');
    expect(r.status).toBe(0);
  });

  it('charts in the Grafana dashboard only metrics the server exports', async () => {
    const dashboard = JSON.parse(readFileSync(join(REPO, 'ops/grafana-dashboard.json'), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const farm = await startTestFarm();
    try {
      const text = String((await call(farm.server.url, 'GET', '/metrics', { token: TEST_TOKENS.admin })).body);
      for (const p of dashboard.panels) {
        for (const t of p.targets) {
          for (const [name] of t.expr.matchAll(/\b(coalition|process)_[a-z_]+/g)) {
            const family = name.replace(/_(bucket|sum|count)$/, '');
            expect(text, `${p.title}: ${name}`).toMatch(new RegExp(`^# TYPE ${family} `, 'm'));
          }
        }
      }
    } finally {
      await farm.stop();
    }
  });
});
