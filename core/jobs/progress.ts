/**
 * Progress patterns of the old Coalition: `%percent` matches a number 0–100, `%one` a number
 * 0–1; the rest of the pattern is literal. The last match in the text wins.
 */
export function compileProgressPattern(pattern: string): RegExp | undefined {
  if (!pattern) return undefined;
  const token = /%percent|%one/;
  const match = token.exec(pattern);
  if (!match) return undefined;
  const before = escapeRegExp(pattern.slice(0, match.index));
  const after = escapeRegExp(pattern.slice(match.index + match[0].length));
  const number = match[0] === '%percent' ? '(\\d+(?:\\.\\d+)?)' : '(\\d*\\.?\\d+)';
  return new RegExp(`${before}${number}${after}`, 'g');
}

/** The progress (0..1) shown by the last match of `pattern` in `text`, or undefined. */
export function lastProgress(pattern: string, text: string): number | undefined {
  const re = compileProgressPattern(pattern);
  if (!re) return undefined;
  let value: number | undefined;
  for (const m of text.matchAll(re)) value = Number(m[1]);
  if (value === undefined || Number.isNaN(value)) return undefined;
  const fraction = pattern.includes('%percent') ? value / 100 : value;
  return Math.min(1, Math.max(0, fraction));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
