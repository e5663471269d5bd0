import type { Job } from '../../core/jobs/job.ts';
import type { CloudStatus } from '../../core/scaler/cloud-status.ts';

/** What the tray shows of the farm. */
export interface FarmSummary {
  waiting: number;
  working: number;
  instances: number;
  perHour: number;
}

/** Counts runnable-or-blocked (`WAITING`, `PENDING`) and running leaf jobs; groups only follow their children. */
export function summarizeFarm(jobs: Iterable<Job>, isGroup: (job: Job) => boolean, cloud: Pick<CloudStatus, 'totals'> | undefined): FarmSummary {
  let waiting = 0;
  let working = 0;
  for (const job of jobs) {
    if (isGroup(job)) continue;
    if (job.state === 'WAITING' || job.state === 'PENDING') waiting++;
    else if (job.state === 'WORKING') working++;
  }
  return { waiting, working, instances: cloud?.totals.alive ?? 0, perHour: cloud?.totals.perHour ?? 0 };
}

/** `3 waiting · 2 working · 2 instances · 0.17 $/h`. */
export function summaryLine(s: FarmSummary): string {
  return `${s.waiting} waiting · ${s.working} working · ${s.instances} instance${s.instances === 1 ? '' : 's'} · ${s.perHour.toFixed(2)} $/h`;
}
