import { pino, type Logger } from 'pino';

export type { Logger };

/** The one structured logger; parts take child loggers (`job`, `worker`, `instance`, `plugin`). */
export function createLogger(options: { level?: string; quiet?: boolean; destination?: { write(line: string): void } } = {}): Logger {
  const level = options.quiet ? 'silent' : (options.level ?? process.env.COALITION_LOG_LEVEL ?? 'info');
  return pino({
    level,
    base: undefined,
    redact: { paths: ['token', '*.token', 'authorization', '*.authorization', 'secretAccessKey', '*.secretAccessKey', 'password', '*.password'], censor: '[redacted]' },
  }, options.destination ?? pino.destination(1));
}
