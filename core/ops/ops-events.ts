/**
 * What the server tells people about without them watching a page: job trees that finished or
 * failed, progress, and budget alerts. Producers emit here; the notifier turns events into
 * e-mails and webhooks.
 *
 * For the scaler's budgets: call `farm.ops.budgetAlert({...})` when a threshold is crossed
 * (once per crossing); webhooks subscribed to `budget.alert` get it.
 */

/** A job tree as events carry it (the top job of the tree). */
export interface JobSummary {
  id: number;
  title: string;
  user: string;
  state: string;
  /** Leaves of the tree: finished, in error, all (1 for a single job). */
  finished: number;
  errors: number;
  total: number;
}

/** A spend limit crossed: a share of it (`threshold` < 1) or the limit itself (`threshold` = 1). */
export interface BudgetAlert {
  period: 'hour' | 'day' | 'month';
  /** The limit, in the provider's currency. */
  limit: number;
  spent: number;
  /** The share of the limit that fired the alert, 0–1. */
  threshold: number;
  /** What the scaler does now, e.g. "stop launching". */
  action?: string;
  /** One sentence for people. */
  message: string;
}

export type OpsEvent =
  | { type: 'job.finished' | 'job.failed'; at: number; job: JobSummary }
  | { type: 'job.progress'; at: number; job: JobSummary; count: number }
  | { type: 'budget.alert'; at: number; alert: BudgetAlert };

export type OpsEventType = OpsEvent['type'];
export const OPS_EVENT_TYPES: readonly OpsEventType[] = ['job.finished', 'job.failed', 'job.progress', 'budget.alert'];

/** A tiny synchronous bus; a listener that throws never stops the others or the producer. */
export class OpsEvents {
  private readonly listeners = new Set<(event: OpsEvent) => void>();

  constructor(private readonly now: () => number = Date.now) {}

  on(listener: (event: OpsEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: OpsEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // a broken listener must not break the farm
      }
    }
  }

  /** The scaler's budget alert (see the module comment). */
  budgetAlert(alert: BudgetAlert): void {
    this.emit({ type: 'budget.alert', at: this.now(), alert });
  }
}
