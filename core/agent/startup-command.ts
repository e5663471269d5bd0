/**
 * The `startup` command of the old coalition.ini: run once, through the shell, before the
 * slots ask for work (to mount shares, for example). Its failure is logged, not fatal, as before.
 */
import type { Logger } from '../logger.ts';
import { runJob } from './run-job.ts';

export async function runStartupCommand(command: string, logger: Logger): Promise<number> {
  logger.info({ command }, 'running the startup command');
  const running = runJob(
    { id: 0, title: 'startup', command, dir: '', environment: '', user: '', timeout: 0 },
    { logger, workerName: 'startup' },
  );
  const outcome = await running.finished;
  const output = running.log.peek(Number.MAX_SAFE_INTEGER);
  const log = outcome.exitCode === 0 ? logger.info.bind(logger) : logger.warn.bind(logger);
  log({ exitCode: outcome.exitCode, output }, 'startup command ended');
  return outcome.exitCode;
}
