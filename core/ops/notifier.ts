import { DEFAULT_NOTIFY, type NotifyChoices, type UserStore } from '../access/user-store.ts';
import type { Logger } from '../logger.ts';
import type { Mail, Mailer } from './mailer.ts';
import type { OpsEvent, OpsEventType } from './ops-events.ts';
import type { Webhooks } from './webhooks.ts';

const CHOICE: Record<OpsEventType, keyof NotifyChoices> = { 'job.finished': 'finished', 'job.failed': 'failed', 'job.progress': 'progress', 'budget.alert': 'budget' };
const looksLikeAddress = (s: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s);

/** The old server's subjects (server.py's notify* functions), kept so mail filters still match. */
export function mailFor(event: OpsEvent, serverUrl: string): Omit<Mail, 'to'> {
  if (event.type === 'budget.alert') {
    const a = event.alert;
    return { subject: `Coalition budget alert: ${a.message}`, text: `${a.message}\n\nSpent ${a.spent} of ${a.limit} this ${a.period} (${Math.round(a.threshold * 100)}% threshold).${a.action ? `\nThe scaler now: ${a.action}.` : ''}\n\n${serverUrl}\n` };
  }
  const j = event.job;
  const subject =
    event.type === 'job.progress' ? `The job ${j.title} (${j.id}) has finished ${event.count} jobs.` : event.type === 'job.finished' ? `The job ${j.title} (${j.id}) is FINISHED.` : `ERRORS in job ${j.title} (${j.id}).`;
  return { subject, text: `${subject}\n\nState: ${j.state}\nFinished: ${j.finished} of ${j.total}\nErrors: ${j.errors}\n\n${serverUrl}\n` };
}

/**
 * Turns farm events into e-mails and webhook deliveries. A job event goes to the tree's owner
 * (its `user`): to their account's e-mail if they chose that kind of event, or, for an owner
 * with no account whose name is an e-mail address, to that address (finished and failed, as
 * the old server did). Budget alerts go to administrators who chose them. Webhooks get every
 * event of `webhookevents`.
 */
export class Notifier {
  constructor(
    private readonly o: {
      users: UserStore;
      mailer?: Mailer;
      webhooks?: Webhooks;
      webhookEvents: ReadonlySet<string>;
      serverUrl: string;
      logger: Logger;
      onMail?: (ok: boolean) => void;
    },
  ) {}

  handle(event: OpsEvent): void {
    if (this.o.webhooks && this.o.webhookEvents.has(event.type)) this.o.webhooks.deliver(event);
    if (!this.o.mailer) return;
    for (const to of this.recipients(event)) void this.mail(to, event);
  }

  recipients(event: OpsEvent): string[] {
    const choice = CHOICE[event.type];
    if (event.type === 'budget.alert') return this.o.users.list().filter((u) => u.role === 'admin' && u.email && u.notify[choice]).map((u) => u.email);
    const owner = event.job.user.trim();
    if (!owner) return [];
    const account = this.o.users.get(owner);
    if (account) return account.email && account.notify[choice] ? [account.email] : [];
    return looksLikeAddress(owner) && DEFAULT_NOTIFY[choice] ? [owner] : [];
  }

  private async mail(to: string, event: OpsEvent): Promise<void> {
    try {
      await this.o.mailer!.send({ to, ...mailFor(event, this.o.serverUrl) });
      this.o.onMail?.(true);
    } catch (e) {
      this.o.onMail?.(false);
      this.o.logger.warn({ event: event.type, reason: (e as Error).message }, 'could not send the notification e-mail');
    }
  }
}
