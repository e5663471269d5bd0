/**
 * `npm run fuzz -- --seed N --count M`: a fuzz campaign against a fresh server process; prints
 * the answers by status, every failure (and the known issues of the job-model work apart), and
 * exits 1 when anything failed.
 */
import { killAll, removeDir, startServerProcess } from '../helpers/processes.ts';
import { runCampaign } from './fuzz-campaign.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const seed = arg('seed', 1);
const count = arg('count', 2000);

const server = await startServerProcess({ env: FUZZ_SERVER_ENV() });
let exited = false;
void server.exited.then(() => (exited = true));
const started = Date.now();
try {
  const result = await runCampaign({ url: server.url, dataDir: server.dataDir, seed, count, exited: () => exited });
  const out = (line: string) => process.stdout.write(line + '\n');
  out(`fuzz: seed ${seed}, ${result.sent} requests in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  out(`answers by status: ${JSON.stringify(result.byStatus)}`);
  for (const f of result.known) out(`known (${f.known}): #${f.index} ${f.label}: ${f.what}\n    ${f.request}`);
  for (const f of result.failures) out(`FAILED #${f.index} ${f.label}: ${f.what}\n    ${f.request}`);
  out(JSON.stringify({ seed, sent: result.sent, byStatus: result.byStatus, failures: result.failures.length, knownIssues: result.known.length }));
  process.exitCode = result.failures.length ? 1 : 0;
} finally {
  await killAll();
  removeDir(server.dataDir);
}

/** A worker timeout no campaign reaches and short long-polls: the state compared changes only by requests. */
function FUZZ_SERVER_ENV(): Record<string, string> {
  return { COALITION_TIMEOUT: '3600', COALITION_MAXWAIT: '200', COALITION_LOG_LEVEL: 'fatal' };
}
