/**
 * moto's server, an AWS-compatible endpoint on 127.0.0.1, for the tests that need real AWS
 * calls (EC2, S3, IAM, STS) without AWS. The SDK reaches it through its own
 * `AWS_ENDPOINT_URL`, with fake credentials. moto does not serve the Price List API: tests
 * give `ondemandprice.<type>`, or leave it unreachable on purpose.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { freePort, waitFor } from './processes.ts';

export const MOTO_REGION = 'eu-west-3';

export interface Moto {
  url: string;
  /** What a process needs to use it: endpoint, fake credentials, region, no instance metadata lookups. */
  env: Record<string, string>;
  ec2: EC2Client;
  s3: S3Client;
  iam: IAMClient;
  /** An image moto knows (it has no Debian images: pass it as `--image-id`). */
  imageId(): Promise<string>;
  stop(): Promise<void>;
}

/** Fails with a message that says what to install when moto's server is missing. */
export function requireMotoServer(): void {
  const found = spawnSync('sh', ['-c', 'command -v moto_server'], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new Error("moto_server is not installed: the AWS tests need moto's server (python3 -m pip install 'moto[server]'); see .ci/run");
  }
}

/** Starts `moto_server -H 127.0.0.1 -p PORT` and waits until it answers. */
export async function startMoto(): Promise<Moto> {
  requireMotoServer();
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => fetch(`${url}/moto-api/`).then((r) => r.ok, () => false), { what: `moto_server on ${url} (output: ${output})`, timeoutMs: 30_000, exited });
  const env = {
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: MOTO_REGION,
    AWS_DEFAULT_REGION: MOTO_REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const common = { region: MOTO_REGION, endpoint: url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  const ec2 = new EC2Client(common);
  let image: string | undefined;
  return {
    url,
    env,
    ec2,
    s3: new S3Client({ ...common, forcePathStyle: true }),
    iam: new IAMClient(common),
    async imageId() {
      if (!image) {
        const res = await ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'architecture', Values: ['x86_64'] }] }));
        image = res.Images?.find((i) => i.ImageId)?.ImageId;
        if (!image) throw new Error('moto lists no x86_64 image');
      }
      return image;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Sets the moto environment in this process (for in-process servers and providers); returns an undo. */
export function useMotoInThisProcess(moto: Moto): () => void {
  const saved = Object.fromEntries(Object.keys(moto.env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, moto.env);
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}
