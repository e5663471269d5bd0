import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Estimate } from '../core/cloud/estimate.ts';
import { ApiClient } from './api-client.ts';

type Opts = Record<string, string | boolean | undefined>;

const out = (line: string): void => {
  process.stdout.write(line + '\n');
};

/** Runs a CLI action, printing errors as one line and exiting non-zero. */
function action(fn: (client: ApiClient, ...args: never[]) => Promise<void>) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const client = ApiClient.from(cmd.optsWithGlobals() as { server?: string; tokenFile?: string });
    try {
      await fn(client, ...(args.slice(0, -1) as never[]));
    } catch (e) {
      process.stderr.write(`coalition: ${(e as Error).message}\n`);
      process.exitCode = 1;
    }
  };
}

function table(rows: Array<Record<string, unknown>>, columns: string[]): void {
  const cells = [columns, ...rows.map((r) => columns.map((c) => String(r[c] ?? '')))];
  const widths = columns.map((_, i) => Math.min(60, Math.max(...cells.map((row) => row[i].length))));
  for (const row of cells) out(row.map((c, i) => c.slice(0, 60).padEnd(widths[i])).join('  ').trimEnd());
}

const ids = (list: string[]) => list.map((s) => Number(s));

/** The replacement of the old `control.py`: submit, list, pause, start, reset, delete, logs, workers. */
export function registerCliCommands(program: Command): void {
  // Every CLI command takes --server and --token-file (not the program: `worker --server` is the worker's own).
  const command = (spec: string) =>
    program
      .command(spec)
      .option('-s, --server <url>', 'server URL (or COALITION_SERVER; default http://127.0.0.1:19211)')
      .option('--token-file <file>', 'tokens.json to read the admin token from (default ./data/tokens.json; or COALITION_ADMIN_TOKEN)');

  command('submit')
    .alias('add')
    .description('add a job (or a whole tree with --file)')
    .option('-c, --cmd <command>', 'the command to run')
    .option('-t, --title <title>', 'the title shown in the UI')
    .option('-d, --dir <dir>', 'working directory')
    .option('-e, --env <env>', 'environment, VAR=value pairs separated by the two characters \\n')
    .option('-P, --parent <parent>', 'parent job id, title or "a|b" path')
    .option('-p, --priority <n>', 'priority (higher runs first)')
    .option('-r, --retry <n>', 'how many times to run it again when it fails')
    .option('-T, --timeout <seconds>', 'kill it after this long')
    .option('-a, --affinity <list>', 'affinities a worker must have, comma-separated')
    .option('-D, --dependencies <ids>', 'job ids to finish first, e.g. "12,13"')
    .option('-u, --user <user>', 'owner')
    .option('--url <url>', 'link shown with the job')
    .option('--globalprogress <pattern>', 'progress pattern, e.g. "%percent%"')
    .option('--localprogress <pattern>', 'second progress pattern')
    .option('--paused', 'submit it paused')
    .option('-f, --file <tree.json>', 'submit a JSON job (or list of jobs) with "children"')
    .option('--estimate', 'print what it would cost and when it would finish (cloud mode), and submit nothing')
    .option('--seconds <n>', 'with --estimate: expected seconds per job (default: what the farm has seen for their affinities)')
    .action(
      action(async (client, opts: Opts) => {
        const submit = async (body: unknown) => {
          if (!opts.estimate) return out(JSON.stringify(await client.call('PUT', '/api/jobs', body)));
          const seconds = typeof opts.seconds === 'string' ? Number(opts.seconds) : undefined;
          printEstimate(await client.call('POST', '/api/cloud/estimate', { jobs: body, ...(seconds !== undefined ? { seconds } : {}) }));
        };
        if (typeof opts.file === 'string') {
          await submit(JSON.parse(readFileSync(opts.file, 'utf8')));
          return;
        }
        const job: Record<string, unknown> = {};
        const map: Record<string, string> = { cmd: 'command', title: 'title', dir: 'dir', env: 'environment', parent: 'parent', priority: 'priority', retry: 'retry', timeout: 'timeout', affinity: 'affinity', dependencies: 'dependencies', user: 'user', url: 'url', globalprogress: 'progress_pattern', localprogress: 'local_progress_pattern' };
        for (const [flag, field] of Object.entries(map)) if (typeof opts[flag] === 'string') job[field] = opts[flag];
        if (typeof job.parent === 'string' && /^\d+$/.test(job.parent)) job.parent = Number(job.parent);
        if (opts.paused) job.state = 'PAUSED';
        if (job.command === undefined) job.is_parent = true; // as with control.py: no command makes a group for other jobs
        await submit(job);
      }),
    );

  command('jobs')
    .alias('list')
    .description('list jobs (the top level, or the children of --parent)')
    .option('-P, --parent <id>', 'list the children of this job')
    .option('--state <state>', 'only jobs in this state')
    .option('--json', 'print JSON')
    .action(
      action(async (client, opts: Opts) => {
        const q = new URLSearchParams();
        if (opts.parent) q.set('parent', String(opts.parent));
        if (opts.state) q.set('state', String(opts.state));
        const jobs = await client.call<Array<Record<string, unknown>>>('GET', `/api/jobs?${q}`);
        if (opts.json) return out(JSON.stringify(jobs, null, 2));
        table(jobs.map((j) => ({ ...j, progress: `${Math.round(Number(j.progress) * 100)}%`, children: j.total ? `${j.finished}/${j.total}` : '' })), ['id', 'title', 'state', 'progress', 'worker', 'run_done', 'children', 'command']);
      }),
    );

  command('job <id>')
    .description('show one job as JSON')
    .action(action(async (client, id: string) => out(JSON.stringify(await client.call('GET', `/api/jobs/${id}`), null, 2))));

  command('log <id>')
    .description("print a job's log")
    .option('--tail <bytes>', 'only the last bytes')
    .action(
      action(async (client, id: string, opts: Opts) => {
        const q = opts.tail ? `?tail=${opts.tail}` : '';
        process.stdout.write(String(await client.call('GET', `/api/jobs/${id}/log${q}`)));
      }),
    );

  for (const [name, path, what] of [
    ['pause', '/api/pausejobs', 'pause jobs (and their subtrees)'],
    ['start', '/api/startjobs', 'start paused or failed jobs again'],
    ['reset', '/api/resetjobs', 'reset jobs to WAITING with their counters at 0'],
  ] as const) {
    command(`${name} <ids...>`)
      .description(what)
      .action(action(async (client, list: string[]) => void (await client.call('POST', path, ids(list)))));
  }

  command('delete <ids...>')
    .alias('remove')
    .description('delete jobs and their subtrees')
    .action(action(async (client, list: string[]) => void (await client.call('DELETE', '/api/jobs', ids(list)))));

  command('events')
    .description('job runs: which worker ran what, how it ended')
    .option('--job <id>')
    .option('--worker <name>')
    .option('--howlong <seconds>')
    .action(
      action(async (client, opts: Opts) => {
        const q = new URLSearchParams();
        for (const k of ['job', 'worker', 'howlong']) if (opts[k]) q.set(k, String(opts[k]));
        const runs = await client.call<Array<Record<string, unknown>>>('GET', `/api/events?${q}`);
        // The API keeps the old epoch seconds; a person reads a local time and seconds.
        const readable = runs.map((r) => ({ ...r, start: r.start ? new Date(Number(r.start) * 1000).toLocaleString('sv-SE') : '', duration: `${Number(r.duration ?? 0).toFixed(1)} s` }));
        table(readable, ['id', 'job_id', 'job_title', 'worker', 'state', 'start', 'duration']);
      }),
    );

  const workers = program.command('workers').description('list or manage workers');
  const workerCommand = (spec: string, opts?: { isDefault?: boolean }) =>
    workers
      .command(spec, opts)
      .option('-s, --server <url>', 'server URL (or COALITION_SERVER; default http://127.0.0.1:19211)')
      .option('--token-file <file>', 'tokens.json to read the admin token from');
  workerCommand('list', { isDefault: true })
    .description('list workers')
    .action(action(async (client) => table(await client.call('GET', '/api/workers'), ['name', 'state', 'current_job', 'affinity', 'active', 'finished', 'error', 'ip'])));
  for (const [name, path] of [['stop', '/api/stopworkers'], ['start', '/api/startworkers']] as const) {
    workerCommand(`${name} <names...>`)
      .description(`${name} workers (a stopped worker gets no job)`)
      .action(action(async (client, names: string[]) => void (await client.call('POST', path, names))));
  }
  workerCommand('delete <names...>')
    .action(action(async (client, names: string[]) => void (await client.call('DELETE', '/api/workers', names))));
  workerCommand('edit <name>')
    .option('--affinity <list>')
    .option('--active <0|1>')
    .action(
      action(async (client, name: string, opts: Opts) => {
        const fields: Record<string, unknown> = {};
        if (typeof opts.affinity === 'string') fields.affinity = opts.affinity;
        if (typeof opts.active === 'string') fields.active = opts.active === '1' || opts.active === 'true';
        await client.call('POST', '/api/workers', { [name]: fields });
      }),
    );
}

/** The estimate as a person reads it. */
function printEstimate(e: Estimate): void {
  const when = e.finishInSeconds === null ? 'not finished (see the warnings)' : `in ${duration(e.finishInSeconds)} (${new Date(e.finishAt!).toISOString()})`;
  out(`Estimate (${e.policy} policy, nothing submitted): ${e.jobs} job(s)`);
  out(`  cost          ${e.cost.toFixed(4)} (the work alone: at least ${e.lowerBound.toFixed(4)}; with the queue: ${e.costWithQueue.toFixed(4)})`);
  out(`  finishes      ${when}`);
  out(`  instances     ${e.pools.map((p) => `${p.instances} × ${p.instanceType} ${p.market}`).join(', ') || 'none new'} (at most ${e.peakInstances} at once)`);
  for (const w of e.warnings) out(`  warning       ${w}`);
  for (const a of e.assumptions) out(`  assumes       ${a}`);
}

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${seconds % 60} s` : `${seconds} s`;
}
