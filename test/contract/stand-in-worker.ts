/**
 * Stands in for `headless/main.ts worker` when that command is not there (or to test the
 * local provider alone): stays up until SIGTERM, like a worker that cannot reach its server.
 * Exits with 3 when `COALITION_WORKER_TOKEN` is missing, so a provider that forgets the token
 * sees its instance die. With `STAND_IN_IGNORE_SIGTERM=1` it ignores SIGTERM (tests SIGKILL).
 */
const token = process.env.COALITION_WORKER_TOKEN;
const name = process.argv[process.argv.indexOf('--name') + 1];
if (!token) {
  process.stderr.write('stand-in worker: COALITION_WORKER_TOKEN is not set\n');
  process.exit(3);
}
process.stdout.write(`stand-in worker ${name} up, token of ${token.length} characters\n`);
process.on('SIGTERM', () => {
  if (process.env.STAND_IN_IGNORE_SIGTERM === '1') return;
  process.stdout.write(`stand-in worker ${name} stopping\n`);
  process.exit(0);
});
setInterval(() => undefined, 60_000);
