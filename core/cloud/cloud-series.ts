import { Router } from 'express';
import { validationError } from '../errors.ts';
import type { Farm } from '../farm/farm.ts';
import type { CloudStatus } from '../scaler/cloud-status.ts';
import { describeApi, ref } from '../http/api-description.ts';
import { cloudSeriesSchema } from '../http/api-schemas.ts';

/** One sample of the cloud chart. `at`: ms since the epoch. */
export interface CloudSample {
  at: number;
  /** Instances launching, booting or ready. */
  instances: number;
  /** Leaf jobs WAITING for a worker. */
  queued: number;
  /** What the alive instances cost per hour now. */
  perHour: number;
}

export interface CloudSeriesOptions {
  everyMs?: number;
  /** Samples kept (the default, 8,640 at 10 s, is a day). */
  capacity?: number;
}

/**
 * The time series behind the cloud page's chart: instances, queued jobs and $/h sampled at a
 * fixed interval, kept in memory in a bounded ring (a restart starts a new chart; the instance
 * records and their costs are what is persisted). Spend today is the $/h integrated since the
 * server's midnight.
 */
export class CloudSeries {
  private readonly samples: CloudSample[] = [];
  private timer?: NodeJS.Timeout;
  readonly everyMs: number;
  private readonly capacity: number;

  constructor(private readonly farm: Farm, private readonly status: () => Promise<CloudStatus>, options: CloudSeriesOptions = {}) {
    this.everyMs = options.everyMs ?? 10_000;
    this.capacity = options.capacity ?? 8640;
  }

  start(): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async sample(): Promise<void> {
    let status: CloudStatus;
    try {
      status = await this.status();
    } catch {
      return; // the scaler logs its own failures; the chart keeps a gap
    }
    let queued = 0;
    for (const job of this.farm.tree.jobs.values()) if (job.state === 'WAITING' && !this.farm.tree.isGroup(job) && job.id !== 0) queued++;
    this.samples.push({ at: this.farm.clock.now(), instances: status.totals.alive, queued, perHour: status.totals.perHour });
    if (this.samples.length > this.capacity) this.samples.splice(0, this.samples.length - this.capacity);
  }

  list(since = -Infinity): CloudSample[] {
    return this.samples.filter((s) => s.at >= since);
  }

  /** Spend since the server's local midnight: each sample's $/h over the interval it stands for. */
  spendToday(): number {
    const midnight = new Date(this.farm.clock.now());
    midnight.setHours(0, 0, 0, 0);
    let spend = 0;
    for (let i = 0; i < this.samples.length; i++) {
      const s = this.samples[i];
      if (s.at < midnight.getTime()) continue;
      const until = this.samples[i + 1]?.at ?? this.farm.clock.now();
      spend += (s.perHour * Math.max(0, until - s.at)) / 3_600_000;
    }
    return Math.round(spend * 10_000) / 10_000;
  }

  /** `GET /api/cloud/series?since=MS`: `{everyMs, spendToday, samples: [{at, instances, queued, perHour}]}`. */
  routes(): Router {
    const r = Router();
    r.get('/api/cloud/series', (req, res) => {
      const raw = req.query.since;
      const since = raw === undefined ? undefined : Number(raw);
      if (since !== undefined && (typeof raw !== 'string' || !Number.isFinite(since) || since < 0)) throw validationError('since must be a time in ms since the epoch');
      res.json({ everyMs: this.everyMs, spendToday: this.spendToday(), samples: this.list(since) });
    });
    return r;
  }
}

describeApi([
  {
    method: 'get', path: '/api/cloud/series', tags: ['cloud'], summary: 'Instances, queued jobs and $/h sampled over time (the cloud page\'s chart), and the spend since local midnight',
    parameters: { since: { in: 'query', schema: { type: 'number', minimum: 0 }, description: 'samples from this time on (ms since the epoch)' } },
    responses: { '200': { description: 'the samples', schema: cloudSeriesSchema }, '400': { description: 'a bad since', schema: ref('Error') } },
  },
]);
