import { z } from 'zod';
import type { ScalerSettings } from './types.ts';

/** Defaults: the old Coalition defaults for the classic keys, measured values for the cost policy. */
export const defaultScalerSettings: ScalerSettings = {
  policy: 'cost',
  workerinstancemax: 3,
  workerinstancestartdelay: 30,
  workerinstanceminimumlifetime: 900,
  nameprefix: 'cloud-',
  maxInstances: 20,
  maxLaunchesPerMinute: 30,
  budgetPerHour: null,
  allowSpot: true,
  bootDeadlineSeconds: 900,
  bootMissBackoffSeconds: 900,
  maxBootMisses: 3,
  budgetPerDay: null,
  budgetPerMonth: null,
  budgetAlertFraction: 0.8,
  budgetAction: 'stop-launching',
  capacityBackoffSeconds: 600,
  workPerSlotBootFactor: 12,
  busyWaitBootFactor: 2,
  probeSlots: 4,
  minimumBilledSeconds: 60,
};

const positiveInt = z.number().int().min(1);
const seconds = z.number().min(0);

/** Validates a partial settings change; unknown keys are refused so a typo is never silently ignored. */
export const scalerSettingsPatchSchema = z
  .object({
    policy: z.enum(['cost', 'classic']),
    workerinstancemax: z.number().int().min(0),
    workerinstancestartdelay: seconds,
    workerinstanceminimumlifetime: seconds,
    nameprefix: z.string().min(1).max(40).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only'),
    maxInstances: z.number().int().min(0),
    maxLaunchesPerMinute: positiveInt,
    budgetPerHour: z.number().positive().nullable(),
    allowSpot: z.boolean(),
    bootDeadlineSeconds: z.number().min(60),
    bootMissBackoffSeconds: seconds,
    maxBootMisses: positiveInt,
    budgetPerDay: z.number().positive().nullable(),
    budgetPerMonth: z.number().positive().nullable(),
    budgetAlertFraction: z.number().gt(0).max(1),
    budgetAction: z.enum(['stop-launching', 'stop-jobs']),
    capacityBackoffSeconds: seconds,
    workPerSlotBootFactor: z.number().min(0),
    busyWaitBootFactor: z.number().min(0),
    probeSlots: positiveInt,
    minimumBilledSeconds: seconds,
  })
  .partial()
  .strict();

export type ScalerSettingsPatch = z.infer<typeof scalerSettingsPatchSchema>;

/** Reads the old `cloud_aws.ini` / `coalition.ini` keys (strings) into settings; unknown keys are left alone. */
export function settingsFromIni(values: Readonly<Record<string, string | undefined>>, base: ScalerSettings = defaultScalerSettings): ScalerSettings {
  const out: ScalerSettings = { ...base };
  const num = (key: string): number | undefined => {
    const raw = values[key];
    if (raw === undefined || raw.trim() === '') return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new Error(`setting ${key} must be a number, got "${raw}"`);
    return n;
  };
  out.workerinstancemax = num('workerinstancemax') ?? out.workerinstancemax;
  out.workerinstancestartdelay = num('workerinstancestartdelay') ?? out.workerinstancestartdelay;
  out.workerinstanceminimumlifetime = num('workerinstanceminimumlifetime') ?? out.workerinstanceminimumlifetime;
  if (values.nameprefix) out.nameprefix = values.nameprefix;
  if (values.spot !== undefined) out.allowSpot = /^(1|true|yes|on)$/i.test(values.spot.trim());
  out.maxInstances = num('maxinstances') ?? out.maxInstances;
  out.maxLaunchesPerMinute = num('maxlaunchesperminute') ?? out.maxLaunchesPerMinute;
  out.budgetPerHour = num('budgetperhour') ?? out.budgetPerHour;
  out.budgetPerDay = num('budgetperday') ?? out.budgetPerDay;
  out.budgetPerMonth = num('budgetpermonth') ?? out.budgetPerMonth;
  const alertAt = values.budgetalert?.trim();
  if (alertAt) {
    // `80%` or `0.8`
    const fraction = alertAt.endsWith('%') ? Number(alertAt.slice(0, -1)) / 100 : Number(alertAt);
    if (!(fraction > 0 && fraction <= 1)) throw new Error(`setting budgetalert must be a share like 0.8 or 80%, got "${alertAt}"`);
    out.budgetAlertFraction = fraction;
  }
  if (values.budgetaction !== undefined) {
    if (values.budgetaction !== 'stop-launching' && values.budgetaction !== 'stop-jobs') throw new Error(`setting budgetaction must be stop-launching or stop-jobs, got "${values.budgetaction}"`);
    out.budgetAction = values.budgetaction;
  }
  out.bootDeadlineSeconds = num('bootdeadline') ?? out.bootDeadlineSeconds;
  out.bootMissBackoffSeconds = num('bootmissbackoff') ?? out.bootMissBackoffSeconds;
  out.maxBootMisses = num('maxbootmisses') ?? out.maxBootMisses;
  if (values.policy !== undefined) {
    if (values.policy !== 'cost' && values.policy !== 'classic') throw new Error(`setting policy must be cost or classic, got "${values.policy}"`);
    out.policy = values.policy;
  }
  // The same ranges as the API's (a boot deadline under a minute, a zero budget…).
  const checked = scalerSettingsPatchSchema.safeParse(out);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new Error(`setting ${issue.path.join('.')}: ${issue.message}`);
  }
  return out;
}
