import { createReadStream, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  CreateBucketCommand, HeadBucketCommand, HeadObjectCommand, PutBucketEncryptionCommand, PutBucketTaggingCommand,
  PutPublicAccessBlockCommand, type BucketLocationConstraint, type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { PlannedAction, SetupStep, StepOutcome } from '../../../core/plugin-api.ts';
import { awsErrorCode, hasCode } from '../aws-errors.ts';
import { act, FARM_TAG, outcomeOf, RefusedError, regionOf, valueOf, type SetupContext } from './setup-context.ts';
import { packWorkerBundle, sha256File } from './worker-bundle.ts';

const bucketPattern = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const HASH_KEY = 'coalition-sha256';

export function defaultBucketName(farmId: string, accountId: string): string {
  return `coalition-${farmId}-${accountId}`.toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 63).replace(/[-.]+$/, '');
}

type BucketStatus = 'exists' | 'missing';

async function bucketStatus(s3: S3Client, bucket: string): Promise<BucketStatus> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return 'exists';
  } catch (err) {
    const code = awsErrorCode(err);
    if (code === 'NotFound' || code === 'NoSuchBucket' || code === '404') return 'missing';
    if (code === 'Forbidden' || code === '403' || code === 'AccessDenied') {
      throw new RefusedError('s3:ListBucket', new Error(`no access to bucket ${bucket} (it may belong to another account: pick another name)`));
    }
    throw err;
  }
}

interface UploadItem {
  key: string;
  path: string;
}

/** Step 4: a private, encrypted bucket; the worker bundle and renderer archive under `srv/`. */
export function bucketStep(ctx: SetupContext): SetupStep {
  const nameOf = (input: Record<string, string>) => {
    const bucket = valueOf(ctx, input, 'bucket', ctx.settings.bucket || (ctx.state.values.accountId ? defaultBucketName(ctx.farmId, ctx.state.values.accountId) : ''));
    if (!bucketPattern.test(bucket)) throw new Error(`"${bucket}" is not a valid bucket name (3–63 lowercase letters, digits, dots, hyphens)`);
    return bucket;
  };
  const uploadsOf = (input: Record<string, string>): UploadItem[] => {
    const items: UploadItem[] = [{ key: 'srv/coalition.tar.gz', path: input.workerBundle ?? '' }];
    if (input.rendererArchive) items.push({ key: `srv/${basename(input.rendererArchive)}`, path: input.rendererArchive });
    return items;
  };
  return {
    id: 'bucket',
    title: 'Bucket for the worker bundle, the renderer and output files',
    fields: [
      { key: 'bucket', label: 'Bucket name (created if missing)', required: true, default: ctx.state.values.bucket || ctx.settings.bucket || (ctx.state.values.accountId ? defaultBucketName(ctx.farmId, ctx.state.values.accountId) : undefined) },
      { key: 'workerBundle', label: 'Worker bundle .tar.gz to upload as srv/coalition.tar.gz (empty: pack this checkout)' },
      { key: 'rendererArchive', label: 'Renderer archive to upload under srv/ (e.g. guerilla_render_2.3_linux64.tar.gz), optional' },
    ],
    check: (input) => outcomeOf(async () => {
      const { s3 } = await ctx.clients(regionOf(ctx, input));
      const bucket = nameOf(input);
      const status = await bucketStatus(s3, bucket);
      return status === 'exists'
        ? { ok: true, message: `Bucket ${bucket} is reachable.`, values: { bucket } }
        : { ok: false, message: `Bucket ${bucket} does not exist yet; apply creates it.` };
    }),
    async plan(input): Promise<PlannedAction[]> {
      const region = regionOf(ctx, input);
      const { s3 } = await ctx.clients(region);
      const bucket = nameOf(input);
      const status = await bucketStatus(s3, bucket);
      const plan: PlannedAction[] = [status === 'exists'
        ? { action: 'reuse', resource: 'bucket', name: bucket }
        : { action: 'create', resource: 'bucket', name: bucket, detail: `${region}, public access blocked, encrypted (SSE-S3)` }];
      for (const item of uploadsOf(input)) {
        const name = `s3://${bucket}/${item.key}`;
        const remote = status === 'exists' ? await remoteHash(s3, bucket, item.key) : null;
        const from = item.path ? `from ${item.path}` : 'packed from this checkout';
        if (remote === null) {
          plan.push({ action: 'create', resource: 's3-object', name, detail: from });
        } else {
          const local = item.path ? await sha256File(item.path) : await withPackedBundle(ctx.repoRoot, sha256File);
          plan.push(remote === local ? { action: 'reuse', resource: 's3-object', name, detail: 'unchanged' } : { action: 'update', resource: 's3-object', name, detail: from });
        }
      }
      return plan;
    },
    apply: (input, onProgress) => outcomeOf(() => applyBucket(ctx, input, nameOf(input), uploadsOf(input), onProgress)),
  };
}

async function applyBucket(ctx: SetupContext, input: Record<string, string>, bucket: string, uploads: UploadItem[], onProgress?: (fraction: number, message: string) => void): Promise<StepOutcome> {
  const region = regionOf(ctx, input);
  const { s3 } = await ctx.clients(region);
  const done: string[] = [];
  if ((await bucketStatus(s3, bucket)) === 'missing') {
    try {
      await act('s3:CreateBucket', () => s3.send(new CreateBucketCommand({
        Bucket: bucket,
        // us-east-1 is the default location and must not be named.
        ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
      })));
      ctx.state.record({ kind: 'bucket', id: bucket, region });
      done.push(`created bucket ${bucket}`);
    } catch (err) {
      if (!hasCode(err, 'BucketAlreadyOwnedByYou')) {
        if (hasCode(err, 'BucketAlreadyExists')) throw new Error(`the bucket name ${bucket} is taken by another account; pick another`);
        throw err;
      }
    }
    await act('s3:PutBucketPublicAccessBlock', () => s3.send(new PutPublicAccessBlockCommand({
      Bucket: bucket,
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    })));
    await act('s3:PutEncryptionConfiguration', () => s3.send(new PutBucketEncryptionCommand({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    })));
    await act('s3:PutBucketTagging', () => s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: FARM_TAG, Value: ctx.farmId }] } })));
  }
  ctx.state.setValues({ bucket });

  for (const [index, item] of uploads.entries()) {
    const upload = (path: string) => uploadIfChanged(ctx, s3, bucket, item.key, path, region, (f) => onProgress?.((index + f) / uploads.length, `uploading ${item.key}`));
    if (!item.path) onProgress?.(index / uploads.length, 'packing the worker bundle');
    const uploaded = item.path ? await upload(item.path) : await withPackedBundle(ctx.repoRoot, upload);
    if (uploaded) done.push(`uploaded ${item.key}`);
  }
  onProgress?.(1, 'bucket ready');
  const values: Record<string, string> = { bucket, workerBundleKey: uploads[0].key };
  if (uploads[1]) values.rendererArchiveKey = uploads[1].key;
  ctx.state.setValues(values);
  return { ok: true, message: done.length > 0 ? `${done.join('; ')}.` : `Bucket ${bucket} and its files already there; nothing uploaded.`, values };
}

/** The content hash an earlier upload stored with the object; '' when it has none; null when absent. */
async function remoteHash(s3: S3Client, bucket: string, key: string): Promise<string | null> {
  try {
    const head = await act('s3:GetObject', () => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
    return head.Metadata?.[HASH_KEY] ?? '';
  } catch (err) {
    if (hasCode(err, 'NotFound', 'NoSuchKey', '404')) return null;
    throw err;
  }
}

/** Uploads `path` to `key` unless the object there has the same content; multipart for big files. */
async function uploadIfChanged(ctx: SetupContext, s3: S3Client, bucket: string, key: string, path: string, region: string, progress: (fraction: number) => void): Promise<boolean> {
  const hash = await sha256File(path);
  const remote = await remoteHash(s3, bucket, key);
  if (remote === hash) return false;
  const existed = remote !== null;
  const size = statSync(path).size;
  const upload = new Upload({
    client: s3,
    params: { Bucket: bucket, Key: key, Body: createReadStream(path), ContentLength: size, Metadata: { [HASH_KEY]: hash }, Tagging: `${encodeURIComponent(FARM_TAG)}=${encodeURIComponent(ctx.farmId)}` },
    partSize: 16 * 1024 * 1024,
    queueSize: 4,
  });
  upload.on('httpUploadProgress', (p) => {
    if (p.loaded !== undefined && size > 0) progress(Math.min(1, p.loaded / size));
  });
  await act('s3:PutObject', () => upload.done());
  // An object that was there before is the user's, replaced; only new ones are ours to delete.
  if (!existed) ctx.state.record({ kind: 's3-object', id: key, parent: bucket, region });
  return true;
}

/** Packs this checkout into a temporary file, hands it to `use`, then removes it. */
async function withPackedBundle<T>(repoRoot: string, use: (path: string) => Promise<T>): Promise<T> {
  const tmp = await mkdtemp(join(tmpdir(), 'coalition-bundle-'));
  try {
    const path = join(tmp, 'coalition.tar.gz');
    await packWorkerBundle(repoRoot, path);
    return await use(path);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
