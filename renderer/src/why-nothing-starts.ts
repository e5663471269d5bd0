/** The cloud page's one sentence when jobs wait and nothing starts: taken from the scaler's own reasons. */
import type { CloudView } from './stores/cloud.ts';

export interface WhyInput {
  /** Leaf jobs waiting for a worker. */
  queued: number;
  /** Workers running a job now. */
  working: number;
  /** False when the server runs no scaler. */
  enabled: boolean;
  status: CloudView | null;
  now: number;
}

const sentence = (s: string) => {
  const t = s.trim().replace(/\s+—\s+/g, ': ');
  return `${t[0].toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? '' : '.'}`;
};

export function whyNothingStarts(i: WhyInput): string | null {
  if (i.queued === 0) return null;
  if (!i.enabled) return `${i.queued} job(s) wait, and this server starts no machine (servermode = normal): start a worker, or run the server in local or aws mode.`;
  const s = i.status;
  if (!s) return null;
  const starting = s.instances.filter((x) => x.state === 'launching' || x.state === 'booting').length;
  if (starting > 0 || i.working > 0) return null;
  if (s.launchesPausedUntil && s.launchesPausedUntil > i.now) {
    return `Launches are paused until ${new Date(s.launchesPausedUntil).toLocaleTimeString()} after a provider error (see the decisions below).`;
  }
  const blocking = s.reasons.find((r) => /not launching|backed off|waiting to learn|no instance type|cannot|no .* price/i.test(r));
  if (blocking) return sentence(blocking);
  if (s.settings.maxInstances === 0) return 'maxInstances is 0: the scaler may start no machine (change it in the settings below).';
  if (s.reasons.length) return sentence(s.reasons[0]);
  return `${i.queued} job(s) wait; the scaler has not decided yet (its next tick comes within 15 s).`;
}
