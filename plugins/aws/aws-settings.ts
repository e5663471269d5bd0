import ini from 'ini';

/**
 * The AWS plugin's settings. They read the old `cloud_aws.ini` as it is (sections
 * `[authentication] [storage] [coalition] [worker] [spot]`), plus a few new keys:
 * `region`, `instancetypes` (comma list), `fleettypes` (interchangeable spot types launched
 * together through CreateFleet), `slots.<type>`, `affinities[.<type>]`, `ondemandprice.<type>`,
 * `bootseconds`, `pricettl`, `userdatatemplate`, `nodeversion`, `serverurl`, `profile`.
 */
export interface AwsSettings {
  region: string;
  /** Named profile of the shared AWS config, if the server should use one. */
  profile?: string;
  /** Legacy: access keys written in cloud_aws.ini. Prefer the default chain or the secret store. */
  accessKeyId?: string;
  secretAccessKey?: string;
  keyName?: string;
  bucket: string;
  mountPoint: string;
  /** Key of the renderer archive in the bucket (`srv/guerilla_render_….tar.gz`), may be empty. */
  rendererArchive: string;
  /** Key of the worker bundle in the bucket. */
  workerBundle: string;
  /** URL workers reach the server at; empty means the host's `serverUrl`. */
  serverUrl: string;
  workerInstanceMax: number;
  workerInstanceStartDelay: number;
  workerInstanceMinimumLifetime: number;
  namePrefix: string;
  /** `spot=false` really turns spot off: only on-demand is offered. */
  spot: boolean;
  instanceTypes: string[];
  /** Spot launches of one of these types use CreateFleet over all of them. */
  fleetTypes: string[];
  imageId: string;
  subnetIds: string[];
  iamInstanceProfile: string;
  securityGroupIds: string[];
  availabilityZone?: string;
  /** Max spot price per hour, as AWS wants it (a string); empty means the current spot price. */
  spotMaxPrice?: string;
  onDemandPrices: Record<string, number>;
  slots: Record<string, number>;
  affinities: Record<string, string[]>;
  defaultAffinities: string[];
  bootSeconds: number;
  priceTtlSeconds: number;
  userDataTemplate?: string;
  nodeVersion: string;
}

export const defaultAwsSettings: AwsSettings = {
  region: 'us-east-1',
  bucket: '',
  mountPoint: '/mnt/bucket',
  rendererArchive: '',
  workerBundle: 'srv/coalition.tar.gz',
  serverUrl: '',
  workerInstanceMax: 3,
  workerInstanceStartDelay: 30,
  workerInstanceMinimumLifetime: 900,
  namePrefix: 'cloud-',
  spot: true,
  instanceTypes: ['m3.medium'],
  fleetTypes: [],
  imageId: '',
  subnetIds: [],
  iamInstanceProfile: '',
  securityGroupIds: [],
  onDemandPrices: {},
  slots: {},
  affinities: {},
  defaultAffinities: [],
  bootSeconds: 180,
  priceTtlSeconds: 600,
  nodeVersion: '20.19.5',
};

export class SettingsError extends Error {
  constructor(readonly key: string, message: string) {
    super(`${key}: ${message}`);
    this.name = 'SettingsError';
  }
}

type Warn = (message: string) => void;

/** Flattens ini sections: every key is reachable as `key` and as `section.key`. */
export function flattenIni(text: string): Record<string, string> {
  const parsed = ini.parse(text) as Record<string, unknown>;
  const flat: Record<string, string> = {};
  const put = (key: string, value: unknown) => {
    if (typeof value === 'string') flat[key.toLowerCase()] = value.trim();
    else if (typeof value === 'boolean') flat[key.toLowerCase()] = String(value);
  };
  for (const [key, value] of Object.entries(parsed)) {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        put(`${key}.${k}`, v);
        if (!(k.toLowerCase() in flat)) put(k, v);
      }
    } else {
      put(key, value);
    }
  }
  return flat;
}

const list = (value: string | undefined) => (value ?? '').split(/[,\s]+/).map((s) => s.trim()).filter(Boolean);

function int(key: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || !Number.isInteger(n)) throw new SettingsError(key, `expected a whole number ≥ 0, got "${value}"`);
  return n;
}

function bool(key: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  const v = value.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new SettingsError(key, `expected true or false, got "${value}"`);
}

/**
 * Builds settings from flat keys (a parsed config section or a flattened cloud_aws.ini).
 * Later sources override earlier ones. Warns — without printing them — when access keys
 * are present.
 */
export function settingsFromFlat(sources: Array<Readonly<Record<string, string>>>, warn: Warn = () => {}): AwsSettings {
  const flat: Record<string, string> = {};
  // Which source set each key: a later source wins whichever spelling (`key`, `section.key`) it uses.
  const rank: Record<string, number> = {};
  sources.forEach((source, index) => {
    for (const [k, v] of Object.entries(source)) {
      flat[k.toLowerCase()] = v;
      rank[k.toLowerCase()] = index;
    }
  });
  const get = (...keys: string[]) => {
    let best: string | undefined;
    let bestRank = -1;
    for (const key of keys) {
      if (flat[key] !== undefined && flat[key] !== '' && rank[key] > bestRank) {
        best = flat[key];
        bestRank = rank[key];
      }
    }
    return best;
  };
  const d = defaultAwsSettings;
  const accessKeyId = get('authentication.accesskey', 'accesskey');
  const secretAccessKey = get('authentication.secretaccesskey', 'secretaccesskey');
  if (accessKeyId || secretAccessKey) {
    warn('cloud_aws.ini holds AWS access keys: they still work, but prefer an instance role, a profile (`profile = …`) or `npm run cli -- aws setup`, which keeps them in the secret store. Remove accesskey/secretaccesskey from the file.');
  }

  const instanceTypes = list(get('worker.instancetypes', 'instancetypes', 'worker.instancetype', 'instancetype'));
  const perType = (prefix: string) => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(flat)) {
      const bare = k.replace(/^[a-z_]+\.(?=(slots|affinities|ondemandprice)\.)/, '');
      if (bare.startsWith(`${prefix}.`)) out[bare.slice(prefix.length + 1)] = v;
    }
    return out;
  };
  const onDemandPrices: Record<string, number> = {};
  for (const [type, v] of Object.entries(perType('ondemandprice'))) {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new SettingsError(`ondemandprice.${type}`, `expected a price per hour, got "${v}"`);
    onDemandPrices[type] = n;
  }
  const slots: Record<string, number> = {};
  for (const [type, v] of Object.entries(perType('slots'))) slots[type] = int(`slots.${type}`, v, 1) || 1;
  const affinities: Record<string, string[]> = {};
  for (const [type, v] of Object.entries(perType('affinities'))) affinities[type] = list(v);

  let serverUrl = get('serverurl', 'coalition.serverurl') ?? '';
  const ip = get('coalition.ip', 'ip');
  if (!serverUrl && ip) serverUrl = `http://${ip}:${get('coalition.port', 'port') ?? '19211'}`;

  const spotMaxPrice = get('spot.spotprice', 'spotprice');
  if (spotMaxPrice !== undefined && !(Number(spotMaxPrice) > 0)) throw new SettingsError('spotprice', `expected a price per hour, got "${spotMaxPrice}"`);

  return {
    region: get('region', 'aws.region') ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? d.region,
    profile: get('profile'),
    accessKeyId,
    secretAccessKey,
    keyName: get('authentication.keyname', 'keyname'),
    bucket: get('storage.name', 'bucket') ?? '',
    mountPoint: get('storage.mountpoint', 'mountpoint') ?? d.mountPoint,
    rendererArchive: get('storage.guerillarenderfilename', 'guerillarenderfilename', 'rendererfilename') ?? d.rendererArchive,
    workerBundle: get('storage.coalitionfilename', 'coalitionfilename') ?? d.workerBundle,
    serverUrl,
    workerInstanceMax: int('workerinstancemax', get('coalition.workerinstancemax', 'workerinstancemax'), d.workerInstanceMax),
    workerInstanceStartDelay: int('workerinstancestartdelay', get('coalition.workerinstancestartdelay', 'workerinstancestartdelay'), d.workerInstanceStartDelay),
    workerInstanceMinimumLifetime: int('workerinstanceminimumlifetime', get('coalition.workerinstanceminimumlifetime', 'workerinstanceminimumlifetime'), d.workerInstanceMinimumLifetime),
    namePrefix: flat['worker.nameprefix'] ?? flat['nameprefix'] ?? d.namePrefix,
    spot: bool('spot', get('worker.spot', 'spot'), d.spot),
    instanceTypes: instanceTypes.length > 0 ? instanceTypes : d.instanceTypes,
    fleetTypes: list(get('worker.fleettypes', 'fleettypes')),
    imageId: get('worker.imageid', 'imageid') ?? d.imageId,
    subnetIds: list(get('worker.subnetid', 'subnetid', 'subnetids')),
    iamInstanceProfile: get('worker.iaminstanceprofile', 'iaminstanceprofile') ?? d.iamInstanceProfile,
    securityGroupIds: list(get('worker.securitygroupid', 'securitygroupid', 'securitygroupids')),
    availabilityZone: get('worker.availabilityzone', 'availabilityzone'),
    spotMaxPrice,
    onDemandPrices,
    slots,
    affinities,
    defaultAffinities: list(flat['affinities'] ?? flat['worker.affinities']),
    bootSeconds: int('bootseconds', get('bootseconds'), d.bootSeconds),
    priceTtlSeconds: int('pricettl', get('pricettl'), d.priceTtlSeconds),
    userDataTemplate: get('userdatatemplate'),
    nodeVersion: get('nodeversion') ?? d.nodeVersion,
  };
}

/** Reads the text of a `cloud_aws.ini` (old or new). */
export function parseCloudAwsIni(text: string, warn?: Warn): AwsSettings {
  return settingsFromFlat([flattenIni(text)], warn);
}

/**
 * Writes settings in the old `cloud_aws.ini` layout (new keys beside the old ones), so a
 * file the wizard saves is also a file the old documentation describes. Never writes keys.
 */
export function toCloudAwsIni(s: AwsSettings): string {
  const sections: Record<string, Record<string, string | number | boolean>> = {
    aws: { region: s.region, ...(s.profile ? { profile: s.profile } : {}) },
    authentication: { keyname: s.keyName ?? '' },
    storage: { name: s.bucket, mountpoint: s.mountPoint, guerillarenderfilename: s.rendererArchive, coalitionfilename: s.workerBundle },
    coalition: {
      serverurl: s.serverUrl,
      workerinstancemax: s.workerInstanceMax,
      workerinstancestartdelay: s.workerInstanceStartDelay,
      workerinstanceminimumlifetime: s.workerInstanceMinimumLifetime,
    },
    worker: {
      nameprefix: s.namePrefix,
      spot: s.spot,
      instancetype: s.instanceTypes.join(','),
      fleettypes: s.fleetTypes.join(','),
      imageid: s.imageId,
      subnetid: s.subnetIds.join(','),
      iaminstanceprofile: s.iamInstanceProfile,
      securitygroupid: s.securityGroupIds.join(','),
      availabilityzone: s.availabilityZone ?? '',
    },
    spot: s.spotMaxPrice ? { spotprice: s.spotMaxPrice } : {},
  };
  const header = '# Coalition cloud mode on AWS (written by `coalition aws setup`).\n# Credentials are not kept here: they live in the secret store or the default AWS chain.\n\n';
  return header + ini.stringify(sections, { whitespace: true });
}
