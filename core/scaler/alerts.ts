/**
 * Cloud alerts: what `GET /api/cloud` shows above everything else (instances that never became
 * workers, a budget near or at its limit), each with the likely causes and how to check them.
 * The set is recomputed each tick; {@link AlertTracker} keeps when each alert was first raised
 * (across restarts) and tells observers what was raised, updated or cleared.
 */

export type AlertCode = 'boot-deadline-missed' | 'budget-threshold' | 'budget-reached';

/** A likely cause, and how a person checks it (a command or where to look). */
export interface AlertCause {
  cause: string;
  howToCheck: string;
}

export interface CloudAlert {
  /** Stable: one alert per code (and per budget period, in `key`). */
  code: AlertCode;
  /** Distinguishes alerts of one code (`day`, `month` for budgets); equals `code` otherwise. */
  key: string;
  severity: 'warning' | 'error';
  /** One or two sentences a person can act on. */
  message: string;
  /** ms since the epoch when it was first raised (kept until it clears). */
  since: number;
  causes: AlertCause[];
  /** True when `POST /api/cloud/alerts/:code/acknowledge` clears it (and lets the scaler try again). */
  acknowledgeable: boolean;
  /** Figures behind the message (instances, pools, amounts), for the UI. */
  details?: Record<string, unknown>;
}

/** What observers (webhooks, notifications) hear about an alert. */
export interface AlertChange {
  change: 'raised' | 'updated' | 'cleared';
  alert: CloudAlert;
}

export type AlertListener = (change: AlertChange) => void;

/** Keeps `since` stable while an alert lasts and reports changes; `since` values persist. */
export class AlertTracker {
  private current = new Map<string, CloudAlert>();
  private readonly listeners = new Set<AlertListener>();

  constructor(private since: Record<string, number> = {}) {}

  onChange(listener: AlertListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Replaces the alert set with this tick's; returns the changes (also sent to the listeners). */
  update(alerts: ReadonlyArray<Omit<CloudAlert, 'since'>>, now: number): AlertChange[] {
    const next = new Map<string, CloudAlert>();
    const changes: AlertChange[] = [];
    for (const a of alerts) {
      const since = this.since[a.key] ?? now;
      const alert: CloudAlert = { ...a, since };
      next.set(a.key, alert);
      const before = this.current.get(a.key);
      if (!before) changes.push({ change: 'raised', alert });
      else if (before.message !== alert.message || before.severity !== alert.severity) changes.push({ change: 'updated', alert });
    }
    for (const [key, alert] of this.current) if (!next.has(key)) changes.push({ change: 'cleared', alert });
    this.current = next;
    this.since = Object.fromEntries([...next.values()].map((a) => [a.key, a.since]));
    for (const c of changes) for (const l of this.listeners) l(c);
    return changes;
  }

  list(): CloudAlert[] {
    return [...this.current.values()];
  }

  /** For persistence: when each current alert was raised. */
  sinceByKey(): Record<string, number> {
    return { ...this.since };
  }
}
