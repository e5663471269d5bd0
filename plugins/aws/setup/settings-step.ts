import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import type { PlannedAction, SetupStep, StepOutcome } from '../../../core/plugin-api.ts';
import { toCloudAwsIni, type AwsSettings } from '../aws-settings.ts';
import { act, outcomeOf, regionOf, valueOf, type SetupContext } from './setup-context.ts';

/** The account that publishes Debian's official cloud images. */
export const DEBIAN_AMI_OWNER = '136693071363';

export function savedSettingsPath(dataDir: string): string {
  return join(dataDir, 'plugins', 'aws', 'cloud_aws.ini');
}

/** Graviton families (c7g, m6gd, t4g, c7gn, …) need arm64 images. */
export function architectureOf(instanceType: string): 'arm64' | 'x86_64' {
  return /^[a-z]+\d+g[a-z]*\./.test(instanceType) ? 'arm64' : 'x86_64';
}

/** Step 6: save everything as a cloud_aws.ini the plugin reads at start (and the old docs describe). */
export function settingsStep(ctx: SetupContext): SetupStep {
  const build = async (input: Record<string, string>): Promise<AwsSettings> => {
    const region = regionOf(ctx, input);
    const v = (key: string, fallback = '') => valueOf(ctx, input, key, fallback);
    const instanceTypes = v('instanceTypes', ctx.settings.instanceTypes.join(',')).split(/[,\s]+/).filter(Boolean);
    let imageId = v('imageId', ctx.settings.imageId);
    if (!imageId || imageId === 'auto') imageId = await latestDebianImage(ctx, region, architectureOf(instanceTypes[0] ?? ''));
    const spot = v('spot', String(ctx.settings.spot));
    const max = Number(v('workerInstanceMax', String(ctx.settings.workerInstanceMax)));
    if (!Number.isInteger(max) || max < 0) throw new Error('workerInstanceMax: expected a whole number');
    return {
      ...ctx.settings,
      region,
      accessKeyId: undefined,
      secretAccessKey: undefined,
      keyName: v('keyName', ctx.settings.keyName ?? '') || undefined,
      bucket: v('bucket', ctx.settings.bucket),
      workerBundle: v('workerBundleKey', ctx.settings.workerBundle),
      rendererArchive: v('rendererArchiveKey', ctx.settings.rendererArchive),
      serverUrl: v('serverUrl', ctx.settings.serverUrl),
      workerInstanceMax: max,
      namePrefix: v('namePrefix', ctx.settings.namePrefix),
      spot: !['false', 'no', '0', 'off'].includes(spot.toLowerCase()),
      instanceTypes,
      imageId,
      subnetIds: v('subnetId') ? [v('subnetId')] : ctx.settings.subnetIds,
      securityGroupIds: v('workerSecurityGroupId') ? [v('workerSecurityGroupId')] : ctx.settings.securityGroupIds,
      iamInstanceProfile: v('instanceProfileName', ctx.settings.iamInstanceProfile),
    };
  };
  const target = (input: Record<string, string>) => [savedSettingsPath(ctx.dataDir), ...(input.iniPath ? [input.iniPath] : [])];
  return {
    id: 'settings',
    title: 'Save the settings',
    fields: [
      { key: 'instanceTypes', label: 'Instance types (comma-separated)', default: ctx.settings.instanceTypes.join(',') },
      { key: 'imageId', label: 'AMI id (auto: latest official Debian 12)', default: ctx.settings.imageId || 'auto' },
      { key: 'spot', label: 'Use spot instances when cheaper (true/false)', default: String(ctx.settings.spot) },
      { key: 'workerInstanceMax', label: 'Maximum number of worker instances', default: String(ctx.settings.workerInstanceMax) },
      { key: 'namePrefix', label: 'Prefix of instance names', default: ctx.settings.namePrefix },
      { key: 'keyName', label: 'EC2 key pair for SSH (optional)' },
      { key: 'serverUrl', label: 'URL workers reach the server at (empty: the server\'s own)' },
      { key: 'iniPath', label: 'Also write the settings to this cloud_aws.ini (optional)' },
    ],
    check: (input) => outcomeOf(async () => {
      const s = await build(input);
      const missing = (['bucket', 'imageId', 'iamInstanceProfile'] as const).filter((k) => !s[k]);
      return missing.length === 0
        ? { ok: true, message: `Settings complete (${s.instanceTypes.join(', ')}, ${s.imageId}).` }
        : { ok: false, message: `Missing ${missing.join(', ')}: run the earlier steps first.` };
    }),
    async plan(input): Promise<PlannedAction[]> {
      const text = toCloudAwsIni(await build(input));
      return target(input).map((path): PlannedAction => {
        const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
        if (current === text) return { action: 'reuse', resource: 'settings-file', name: path, detail: 'unchanged' };
        return { action: current === undefined ? 'create' : 'update', resource: 'settings-file', name: path };
      });
    },
    apply: (input) => outcomeOf(async (): Promise<StepOutcome> => {
      const settings = await build(input);
      const text = toCloudAwsIni(settings);
      const written: string[] = [];
      for (const [index, path] of target(input).entries()) {
        const existed = existsSync(path);
        if (existed && readFileSync(path, 'utf8') === text) continue;
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, text, { mode: 0o644 });
        written.push(path);
        // The data dir's copy is the setup's own; another path is recorded only when the setup created it (else it was the user's file).
        if (index === 0) ctx.state.record({ kind: 'settings-file', id: path });
        else if (!existed) ctx.state.record({ kind: 'file', id: path });
      }
      ctx.state.setValues({ imageId: settings.imageId });
      const message = written.length > 0 ? `Saved ${written.join(' and ')}. Restart the server (servermode = aws) to use them.` : `Settings unchanged in ${target(input).join(' and ')}; nothing written.`;
      return { ok: true, message, values: { settingsFile: savedSettingsPath(ctx.dataDir), imageId: settings.imageId } };
    }),
  };
}

async function latestDebianImage(ctx: SetupContext, region: string, architecture: string): Promise<string> {
  const { ec2 } = await ctx.clients(region);
  const res = await act('ec2:DescribeImages', () => ec2.send(new DescribeImagesCommand({
    Owners: [DEBIAN_AMI_OWNER],
    Filters: [
      { Name: 'name', Values: [`debian-12-${architecture === 'arm64' ? 'arm64' : 'amd64'}-*`] },
      { Name: 'architecture', Values: [architecture] },
      { Name: 'state', Values: ['available'] },
    ],
  })));
  const newest = [...(res.Images ?? [])].sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''))[0];
  if (!newest?.ImageId) throw new Error(`no Debian 12 image found in ${region}; give an AMI id with --image-id (the "AMI id" field in the UI, imageid in cloud_aws.ini)`);
  return newest.ImageId;
}
