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
