import type { PluginLogger } from '../core/plugin-api.ts';

/**
 * One line for a structured log call: the message, then the object's fields (`kind=vpc
 * id=vpc-1 err=…`), so a warning never loses the details that say what went wrong.
 */
export function formatLogLine(obj: object | string, msg?: string): string {
  if (typeof obj === 'string') return msg ? `${obj} ${msg}` : obj;
  const fields = Object.entries(obj)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : v instanceof Error ? v.message : JSON.stringify(v)}`);
  if (!msg) return fields.join(' ');
  return fields.length > 0 ? `${msg} (${fields.join(' ')})` : msg;
}

/** Plugin logger for the terminal: warnings and errors on stderr with their details, the rest quiet. */
export function terminalLogger(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): PluginLogger {
  return {
    info: () => {},
    debug: () => {},
    warn: (obj, msg) => write(`warning: ${formatLogLine(obj, msg)}`),
    error: (obj, msg) => write(`error: ${formatLogLine(obj, msg)}`),
  };
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warning', 50: 'error', 60: 'fatal' };

/**
 * A destination for the server's structured log when a person watches the terminal: one
 * readable line per entry (`18:02:11 info plugin: plugin active (plugin=local …)`) instead of
 * JSON. Redaction has already happened: this only reformats what pino wrote.
 */
export function readableLines(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): { write(json: string): void } {
  return {
    write(json: string) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(json) as Record<string, unknown>;
      } catch {
        write(json.trimEnd());
        return;
      }
      const { level, time, msg, part, ...fields } = entry;
      const at = typeof time === 'number' ? new Date(time).toTimeString().slice(0, 8) : '';
      const label = LEVELS[Number(level)] ?? String(level);
      const text = formatLogLine(fields, typeof msg === 'string' ? msg : undefined);
      write(`${at} ${label}${part ? ` ${String(part)}:` : ''} ${text}`.trim());
    },
  };
}

/** JSON lines for log collectors (systemd, Docker, pipes); readable lines for a person at a terminal. */
export function terminalDestination(): { write(json: string): void } | undefined {
  return process.stdout.isTTY && process.env.COALITION_LOG_FORMAT !== 'json' ? readableLines() : undefined;
}
