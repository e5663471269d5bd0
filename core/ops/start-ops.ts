import type { UserStore } from '../access/user-store.ts';
import type { ServerConfig } from '../config.ts';
import type { Farm } from '../farm/farm.ts';
import type { Logger } from '../logger.ts';
import type { ScalerService } from '../scaler/scaler-service.ts';
import type { AuditLog } from './audit-log.ts';
import { Mailer } from './mailer.ts';
import type { FarmMetrics } from './metrics.ts';
import { Notifier } from './notifier.ts';
import { Retention } from './retention.ts';
import { watchTrees } from './tree-watcher.ts';
import { Webhooks } from './webhooks.ts';

export interface RunningOps {
  notifier: Notifier;
  webhooks?: Webhooks;
  mailer?: Mailer;
  retention: Retention;
  stop(): void;
}

/** What the scaler did, kept in the audit log as done by `scaler`. */
const SCALER_ACTIONS: Record<string, string> = { launch: 'cloud.launch', 'launch-failed': 'cloud.launch-failed', terminate: 'cloud.terminate', 'terminate-failed': 'cloud.terminate-failed', orphan: 'cloud.orphan', settings: 'settings.cloud' };

/**
 * Starts what watches the farm for people: the tree watcher and the notifier (e-mail,
 * webhooks), retention, and the audit of the scaler's own launches and terminations.
 */
export function startOps(o: {
  farm: Farm;
  config: ServerConfig;
  users: UserStore;
  audit: AuditLog;
  metrics: FarmMetrics;
  scaler?: ScalerService;
  farmId: string;
  serverUrl: string;
  logger: Logger;
  webhookBackoffMs?: number;
}): RunningOps {
  const { farm, config } = o;
  const logger = o.logger.child({ part: 'ops' });
  const mailer = Mailer.enabled(config) ? new Mailer(config) : undefined;
  const urls = config.webhookurl.split(',').map((u) => u.trim()).filter(Boolean);
  const webhooks = urls.length
    ? new Webhooks({ urls, secret: config.webhooksecret, farmId: o.farmId, logger, backoffMs: o.webhookBackoffMs, now: () => farm.clock.now(), onResult: (ok) => o.metrics.notifications.inc({ channel: 'webhook', result: ok ? 'ok' : 'failed' }) })
    : undefined;
  if (urls.length && !config.webhooksecret) logger.warn('webhookurl is set without webhooksecret: deliveries are not signed');
  const notifier = new Notifier({
    users: o.users,
    mailer,
    webhooks,
    webhookEvents: new Set(config.webhookevents.split(',').map((e) => e.trim()).filter(Boolean)),
    serverUrl: config.publicurl || o.serverUrl,
    logger,
    onMail: (ok) => o.metrics.notifications.inc({ channel: 'email', result: ok ? 'ok' : 'failed' }),
  });
  const stopBus = farm.ops.on((e) => notifier.handle(e));
  const stopWatch = watchTrees(farm, { notifyAfter: config.notifyafter });
  const retention = new Retention(farm, o.audit, { eventDays: config.eventretentiondays, auditDays: config.auditretentiondays, logDays: config.logretentiondays, jobDays: config.jobretentiondays });
  retention.start();

  let since = farm.clock.now();
  const seen = new Set<string>();
  const stopScalerAudit = o.scaler
    ? farm.onChange(({ cloud }) => {
        if (!cloud) return;
        const fresh = o.scaler!.events({ since }).filter((e) => SCALER_ACTIONS[e.kind]).reverse();
        for (const e of fresh) {
          const key = `${e.at}|${e.kind}|${e.message}`;
          if (seen.has(key)) continue;
          seen.add(key);
          void o.audit.record({ at: e.at, actor: { user: null, role: null, via: 'scaler' }, action: SCALER_ACTIONS[e.kind], target: e.instanceIds?.join(','), details: { message: e.message }, outcome: 0 }).catch(() => {});
        }
        if (fresh.length) since = fresh[fresh.length - 1].at;
        if (seen.size > 1000) seen.clear();
      })
    : () => {};

  return {
    notifier,
    webhooks,
    mailer,
    retention,
    stop() {
      stopBus();
      stopWatch();
      stopScalerAudit();
      retention.stop();
      webhooks?.close();
      mailer?.close();
    },
  };
}
