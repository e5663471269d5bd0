import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Command } from 'commander';
import { restoreDataDir } from '../core/ops/backup.ts';
import { ApiClient } from './api-client.ts';

type Opts = Record<string, string | boolean | undefined>;
const out = (line: string) => void process.stdout.write(line + '\n');

async function run(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    process.stderr.write(`coalition: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}

const clientOptions = (c: Command) =>
  c
    .option('-s, --server <url>', 'server URL (or COALITION_SERVER; default http://127.0.0.1:19211)')
    .option('--token-file <file>', 'tokens.json to read the admin token from (default ./data/tokens.json; or COALITION_ADMIN_TOKEN)');

/** Reads a password from standard input (never a flag: flags show in `ps` and shell history). */
async function passwordFromStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  const password = text.replace(/\r?\n$/, '');
  if (!password) throw new Error('no password on standard input (e.g. `read -s P && printf %s "$P" | npm run cli -- users add …`)');
  return password;
}

/** `backup`, `restore`, `users …` and `workers token`: operations of a running farm. */
export function registerOpsCommands(program: Command): void {
  clientOptions(program.command('backup'))
    .description('save a consistent backup of the data dir of the running server (.tar.gz)')
    .option('-o, --out <file>', 'where to write it (default: the name the server gives, in this folder)')
    .action(async (opts: Opts, cmd: Command) =>
      run(async () => {
        const client = ApiClient.from(cmd.optsWithGlobals());
        const res = await client.fetch('POST', '/api/ops/backup');
        const named = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'coalition-backup.tar.gz';
        const file = resolve(typeof opts.out === 'string' ? opts.out : named);
        await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream), createWriteStream(file, { mode: 0o600 }));
        out(`backup written to ${file}`);
      }),
    );

  program
    .command('restore <file>')
    .description('restore a backup into a data dir (stop the server first); the old data dir is kept beside it')
    .option('--data <dir>', 'data dir to restore into (default ./data or COALITION_DATA)')
    .action(async (file: string, opts: Opts) =>
      run(async () => {
        const dataDir = resolve(typeof opts.data === 'string' ? opts.data : (process.env.COALITION_DATA ?? './data'));
        const { manifest, previous } = await restoreDataDir(resolve(file), dataDir);
        out(`restored the backup of farm ${manifest.farmId} taken ${manifest.createdAt} into ${dataDir}${previous ? ` (the previous data is in ${previous})` : ''}`);
      }),
    );

  const users = program.command('users').description('people: accounts, roles and personal tokens');
  clientOptions(users.command('list', { isDefault: true }))
    .description('list users')
    .action(async (_o: Opts, cmd: Command) =>
      run(async () => {
        for (const u of await ApiClient.from(cmd.optsWithGlobals()).call<Array<Record<string, unknown>>>('GET', '/api/users')) out(`${u.name}\t${u.role}\t${u.source}\t${u.email}`);
      }),
    );
  clientOptions(users.command('add <name>'))
    .description('add a user; the password is read from standard input (--no-password for an account that logs in with tokens only)')
    .requiredOption('--role <role>', 'admin, wrangler, artist or viewer')
    .option('--email <address>', 'where notifications go')
    .option('--no-password', 'no password: tokens only')
    .action(async (name: string, opts: Opts, cmd: Command) =>
      run(async () => {
        const body: Record<string, unknown> = { name, role: opts.role, ...(typeof opts.email === 'string' ? { email: opts.email } : {}) };
        if (opts.password !== false) body.password = await passwordFromStdin();
        await ApiClient.from(cmd.optsWithGlobals()).call('PUT', '/api/users', body);
        out(`user ${name} (${String(opts.role)}) added`);
      }),
    );
  clientOptions(users.command('delete <name>'))
    .description('delete a user (their sessions and tokens stop working)')
    .action(async (name: string, _o: Opts, cmd: Command) => run(async () => void (await ApiClient.from(cmd.optsWithGlobals()).call('DELETE', `/api/users/${encodeURIComponent(name)}`))));
  clientOptions(users.command('token <name>'))
    .description("make a personal API token for a user (shown once: put it in the user's COALITION_TOKEN)")
    .option('--label <label>', 'what it is for', '')
    .action(async (name: string, opts: Opts, cmd: Command) =>
      run(async () => out(((await ApiClient.from(cmd.optsWithGlobals()).call('POST', `/api/users/${encodeURIComponent(name)}/tokens`, { label: opts.label })) as { token: string }).token)),
    );

  const workers = program.commands.find((c) => c.name() === 'workers') ?? program.command('workers');
  clientOptions(workers.command('token <name>'))
    .description("make a token only that worker (and its NAME-N slots) may use; deleting the worker revokes it")
    .action(async (name: string, _o: Opts, cmd: Command) =>
      run(async () => out(((await ApiClient.from(cmd.optsWithGlobals()).call('POST', `/api/workers/${encodeURIComponent(name)}/token`)) as { token: string }).token)),
    );
}
