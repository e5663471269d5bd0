/** The `[local]` section of coalition.ini, validated. */
export interface LocalSettings {
  /** Affinities the started workers offer (`affinity = linux, blender`); default none. */
  affinities: string[];
  /** What one worker process "costs" per hour, for cost estimates (`priceperhour`, default 0). */
  pricePerHour: number;
  /** Hard cap on worker processes alive at once (`maxinstances`, default 2). */
  maxInstances: number;
  /** Seconds between SIGTERM and SIGKILL when terminating (`graceseconds`, default 10). */
  graceSeconds: number;
  /** Seconds from launch to a worker asking for jobs (`bootseconds`, default 2). */
  bootSeconds: number;
}

export const LOCAL_DEFAULTS: LocalSettings = { affinities: [], pricePerHour: 0, maxInstances: 2, graceSeconds: 10, bootSeconds: 2 };

function number(config: Readonly<Record<string, string>>, key: string, fallback: number, integer: boolean): number {
  const raw = config[key];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`[local] ${key} = "${raw}": expected a ${integer ? 'whole ' : ''}number ≥ 0`);
  }
  return value;
}

/** Throws with the key's name when a value is unusable. */
export function parseLocalSettings(config: Readonly<Record<string, string>>): LocalSettings {
  return {
    affinities: (config.affinity ?? '')
      .split(/[,\n]/)
      .map((a) => a.trim())
      .filter((a) => a !== ''),
    pricePerHour: number(config, 'priceperhour', LOCAL_DEFAULTS.pricePerHour, false),
    maxInstances: number(config, 'maxinstances', LOCAL_DEFAULTS.maxInstances, true),
    graceSeconds: number(config, 'graceseconds', LOCAL_DEFAULTS.graceSeconds, false),
    bootSeconds: number(config, 'bootseconds', LOCAL_DEFAULTS.bootSeconds, false),
  };
}
