import { createHmac, randomUUID } from 'node:crypto';
import type { Logger } from '../logger.ts';
import type { OpsEvent } from './ops-events.ts';

export interface WebhookOptions {
  urls: string[];
  /** HMAC-SHA256 key; without one deliveries carry no signature (the README says to set one). */
  secret: string;
  farmId: string;
  logger: Logger;
  /** Tries per delivery (first included). */
  attempts?: number;
  /** Wait before the first retry, ms; doubles each time (with ±20% jitter). */
  backoffMs?: number;
  timeoutMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Told how each delivery ended (metrics). */
  onResult?: (ok: boolean) => void;
}

/**
 * The signature a receiver checks: `sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>` with the
 * shared secret, `timestamp` being the `X-Coalition-Timestamp` header (seconds). Signing the
 * time too lets a receiver refuse replays of old deliveries.
 */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Delivers events as JSON POSTs to every webhook URL, signed, retried with exponential back-off
 * on network errors, timeouts, 408, 429 and 5xx (other answers are final). Deliveries live in
 * memory: a restart drops those still being retried.
 */
export class Webhooks {
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly o: WebhookOptions) {}

  deliver(event: OpsEvent): void {
    if (this.closed) return;
    const body = JSON.stringify({ ...event, farm: this.o.farmId });
    for (const url of this.o.urls) {
      const p = this.send(url, event.type, body).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  /** Waits for deliveries in flight (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  close(): void {
    this.closed = true;
  }

  private async send(url: string, type: string, body: string): Promise<void> {
    const attempts = this.o.attempts ?? 6;
    const id = randomUUID();
    const sleep = this.o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    let last = '';
    for (let attempt = 0; attempt < attempts && !this.closed; attempt++) {
      if (attempt > 0) {
        const base = (this.o.backoffMs ?? 1000) * 2 ** (attempt - 1);
        await sleep(base * (0.8 + 0.4 * (this.o.random ?? Math.random)()));
      }
      const timestamp = String(Math.floor((this.o.now ?? Date.now)() / 1000));
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'coalition-webhook', 'x-coalition-event': type, 'x-coalition-delivery': id, 'x-coalition-timestamp': timestamp };
      if (this.o.secret) headers['x-coalition-signature'] = webhookSignature(this.o.secret, timestamp, body);
      try {
        const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000) });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          this.o.onResult?.(true);
          return;
        }
        last = `HTTP ${res.status}`;
        if (res.status !== 408 && res.status !== 429 && res.status < 500) break;
      } catch (e) {
        last = (e as Error & { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
      }
    }
    this.o.onResult?.(false);
    this.o.logger.warn({ url: redactUrl(url), event: type, delivery: id, reason: last }, 'webhook delivery failed');
  }
}

/** A webhook URL without its query and credentials (they may hold a secret) for the logs. */
const redactUrl = (url: string): string => {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'invalid url';
  }
};
