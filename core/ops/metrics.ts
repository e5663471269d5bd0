import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Farm } from '../farm/farm.ts';
import { JOB_STATES } from '../jobs/job.ts';
import type { CloudStatus } from '../scaler/cloud-status.ts';

export interface MetricsSources {
  farm: Farm;
  /** The scaler's status (undefined with no scaler). */
  cloud: () => Promise<CloudStatus | undefined>;
  /** Open `GET /api/stream` connections. */
  streamClients: () => number;
}

/**
 * `GET /metrics` in Prometheus's text format (prom-client), on a registry of its own. Gauges
 * are read from the farm when scraped; counters and histograms are fed as things happen.
 * Names and labels are listed in the README's Operations section; ops/grafana-dashboard.json
 * charts them.
 */
export class FarmMetrics {
  readonly registry = new Registry();
  readonly dispatched: Counter;
  readonly pickDuration: Histogram<'outcome'>;
  readonly httpRequests: Counter<'method' | 'status'>;
  readonly notifications: Counter<'channel' | 'result'>;

  constructor(private readonly sources: MetricsSources) {
    const r = this.registry;
    collectDefaultMetrics({ register: r });
    const farm = sources.farm;
    new Gauge({
      name: 'coalition_jobs',
      help: 'Jobs by state; kind="job" runs a command, kind="group" holds others',
      labelNames: ['state', 'kind'],
      registers: [r],
      collect() {
        const counts = new Map<string, number>();
        for (const job of farm.tree.jobs.values()) {
          if (job.id === 0) continue;
          const key = `${job.state}|${farm.tree.isGroup(job) ? 'group' : 'job'}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        this.reset();
        for (const state of JOB_STATES) for (const kind of ['job', 'group']) this.set({ state, kind }, counts.get(`${state}|${kind}`) ?? 0);
      },
    });
    new Gauge({
      name: 'coalition_workers',
      help: 'Workers by state (WAITING, WORKING, TIMEOUT) and whether they take jobs',
      labelNames: ['state', 'active'],
      registers: [r],
      collect() {
        this.reset();
        for (const state of ['WAITING', 'WORKING', 'TIMEOUT']) for (const active of ['true', 'false']) this.set({ state, active }, 0);
        for (const w of farm.workers.list()) this.inc({ state: w.state, active: String(w.active) });
      },
    });
    this.dispatched = new Counter({ name: 'coalition_jobs_dispatched_total', help: 'Jobs handed to workers (rate() of it is the dispatch rate)', registers: [r] });
    this.pickDuration = new Histogram({
      name: 'coalition_pickjob_duration_seconds',
      help: 'Time to answer a worker\'s pickjob; outcome="job" when it got one (a held long-poll counts its wait)',
      labelNames: ['outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
      registers: [r],
    });
    this.httpRequests = new Counter({ name: 'coalition_http_requests_total', help: 'API requests answered, by method and status', labelNames: ['method', 'status'], registers: [r] });
    this.notifications = new Counter({ name: 'coalition_notifications_total', help: 'E-mails and webhook deliveries, by channel and result', labelNames: ['channel', 'result'], registers: [r] });
    new Gauge({ name: 'coalition_stream_clients', help: 'Open event streams (GET /api/stream)', registers: [r], collect: function () { this.set(sources.streamClients()); } });

    let cloud: Promise<CloudStatus | undefined> | undefined;
    const status = () => (cloud ??= sources.cloud().catch(() => undefined)); // one status per scrape
    new Gauge({
      name: 'coalition_cloud_instances',
      help: 'Cloud instances by type, market and state',
      labelNames: ['type', 'market', 'state'],
      registers: [r],
      async collect() {
        this.reset();
        for (const i of (await status())?.instances ?? []) if (i.state !== 'terminated') this.inc({ type: i.instanceType, market: i.market, state: i.state });
      },
    });
    new Gauge({
      name: 'coalition_cloud_spend_per_hour',
      help: 'What the running instances cost per hour (the provider\'s currency)',
      registers: [r],
      async collect() {
        this.set((await status())?.totals.perHour ?? 0);
      },
    });
    new Gauge({
      name: 'coalition_cloud_spend_today',
      help: 'Spent on instances since midnight UTC, from the spend ledger: terminated instances included, per-second billing with its minimum (GET /api/cloud spend.today, what the daily budget counts)',
      registers: [r],
      async collect() {
        this.set(Math.round(((await status())?.spend.today ?? 0) * 1_000_000) / 1_000_000);
      },
    });
    this.resetScrape = () => (cloud = undefined);
  }

  private readonly resetScrape: () => void;

  /** A pickjob answered (from the worker protocol). */
  observePick(seconds: number, gotJob: boolean): void {
    this.pickDuration.observe({ outcome: gotJob ? 'job' : 'none' }, seconds);
    if (gotJob) this.dispatched.inc();
  }

  async text(): Promise<string> {
    this.resetScrape();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
