/** A bounded history of scaler events (newest last), for "why did it launch / not launch?". */
export interface ScalerEvent {
  /** ms since the epoch. */
  at: number;
  kind: 'decision' | 'launch' | 'launch-failed' | 'terminate' | 'terminate-failed' | 'orphan' | 'adopt' | 'lost' | 'interruption' | 'error' | 'settings' | 'alert';
  message: string;
  /** Reasons attached to a decision. */
  reasons?: string[];
  instanceIds?: string[];
}

export class EventHistory {
  private readonly items: ScalerEvent[] = [];
  constructor(private readonly capacity = 500) {}

  push(event: ScalerEvent): void {
    this.items.push(event);
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
  }

  /** Newest first, optionally only those at or after `since` (ms). */
  list(options: { since?: number; limit?: number } = {}): ScalerEvent[] {
    const since = options.since ?? -Infinity;
    return this.items.filter((e) => e.at >= since).reverse().slice(0, options.limit ?? this.capacity);
  }

  last(): ScalerEvent | undefined {
    return this.items[this.items.length - 1];
  }
}
