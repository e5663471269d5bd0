import { RE2JS } from 're2js';

/**
 * Progress patterns of the old Coalition: a regular expression holding `%percent` (a number
 * 0–100) or `%one` (a number 0–1), e.g. `done\s+%percent`; the last match in the text wins.
 * A pattern that is not a regular expression, or does not match as one, is read literally
 * (`(%percent%)` matches "(42%)"). With no pattern, the old server's `PROGRESS:%percent` drives
 * the progress. Patterns run on RE2 (linear time), so no pattern can stall the server on a log.
 */
export const DEFAULT_PROGRESS_PATTERN = 'PROGRESS:%percent';

interface Compiled {
  percent: boolean;
  matchers: RE2JS[];
}

const NUMBER = { percent: '[0-9]+(?:\\.[0-9]+)?', one: '[0-9]*\\.?[0-9]+' };
const GROUP = 'coalitionprogress';
const cache = new Map<string, Compiled | null>();

function compile(pattern: string): Compiled | null {
  const token = /%percent|%one/.exec(pattern);
  if (!token) return null;
  const percent = token[0] === '%percent';
  const number = `(?P<${GROUP}>${percent ? NUMBER.percent : NUMBER.one})`;
  const before = pattern.slice(0, token.index);
  const after = pattern.slice(token.index + token[0].length);
  const matchers: RE2JS[] = [];
  try {
    matchers.push(RE2JS.compile(`${before}${number}${after}`, RE2JS.MULTILINE));
  } catch {
    // not a regular expression: read literally below
  }
  matchers.push(RE2JS.compile(`${RE2JS.quote(before)}${number}${RE2JS.quote(after)}`));
  return { percent, matchers };
}

function compiled(pattern: string): Compiled | null {
  let c = cache.get(pattern);
  if (c === undefined) {
    if (cache.size >= 1000) cache.clear();
    cache.set(pattern, (c = compile(pattern)));
  }
  return c;
}

/** The progress (0..1) shown by the last match of `pattern` in `text`, or undefined. */
export function lastProgress(pattern: string, text: string): number | undefined {
  const c = compiled(pattern);
  if (!c) return undefined;
  for (const re of c.matchers) {
    const m = re.matcher(text);
    let value: number | undefined;
    while (m.find()) value = Number(m.group(GROUP));
    if (value === undefined || Number.isNaN(value)) continue;
    return Math.min(1, Math.max(0, c.percent ? value / 100 : value));
  }
  return undefined;
}
