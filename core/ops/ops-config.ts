import { z } from 'zod';

/**
 * `[server]` keys for notifications and retention (merged into SERVER_DEFAULTS). The `smtp*`
 * and `notifyafter` keys are the old Coalition's, with its defaults.
 */
export const OPS_DEFAULTS = {
  /** SMTP server; e-mails are off while it is empty. */
  smtphost: '',
  smtpport: 587,
  /** STARTTLS (the old default); port 465 uses TLS from the start. */
  smtptls: true,
  smtpsender: '',
  smtplogin: '',
  smtppasswd: '',
  /** Tell a tree's owner once its first N jobs finished (0 = never). */
  notifyafter: 10,
  /** Webhook URLs (comma-separated) that get a signed JSON POST for each event of `webhookevents`. */
  webhookurl: '',
  /** HMAC-SHA256 key of the `X-Coalition-Signature` header. */
  webhooksecret: '',
  webhookevents: 'job.finished,job.failed,budget.alert',
  /** Days of audit log kept. */
  auditretentiondays: 365,
  /** Delete the logs of jobs finished more than N days ago (0 = keep). */
  logretentiondays: 0,
  /** Delete top-level job trees finished more than N days ago, with their logs (0 = keep). */
  jobretentiondays: 0,
};

const bool = z.preprocess((v) => (typeof v === 'string' ? ['1', 'true', 'yes', 'on'].includes(v.toLowerCase()) : v), z.boolean());
const days = z.coerce.number().min(0);

export const opsSchema = {
  smtphost: z.string(),
  smtpport: z.coerce.number().int().min(1).max(65535),
  smtptls: bool,
  smtpsender: z.string(),
  smtplogin: z.string(),
  smtppasswd: z.string(),
  notifyafter: z.coerce.number().int().min(0),
  webhookurl: z.string().refine((v) => v.split(',').every((u) => !u.trim() || /^https?:\/\/[^\s]+$/.test(u.trim())), 'must be http(s) URLs, comma-separated'),
  webhooksecret: z.string(),
  webhookevents: z.string(),
  auditretentiondays: days,
  logretentiondays: days,
  jobretentiondays: days,
};
