/**
 * Multi-line values as Python's ConfigParser (the old Coalition's) reads them: a line that starts
 * with whitespace continues the value above it. The `ini` package would take each such line
 * for a key of its own, so those values are cut out before it parses the text and given back
 * whole (lines joined with "\n"), as is, with no comment stripping (a regular expression of the
 * old `commandwhitelist` may hold `;` or `#`).
 */
export function continuedValues(text: string): { text: string; values: Record<string, Record<string, string>> } {
  const lines = text.split(/\r?\n/);
  const values: Record<string, Record<string, string>> = {};
  const kept: string[] = [];
  let section = '';
  let current: { key: string; parts: string[]; at: number } | undefined;
  const close = () => {
    if (current && current.parts.length > 1) {
      (values[section] ??= {})[current.key] = current.parts.filter((p, i) => i > 0 || p).join('\n');
      kept[current.at] = ''; // the whole value comes from `values`
    }
    current = undefined;
  };
  for (const line of lines) {
    const continues = /^[ \t]+\S/.test(line) && current !== undefined && !/^\s*[;#]/.test(line);
    if (continues) {
      current!.parts.push(line.trim());
      kept.push('');
      continue;
    }
    close();
    const head = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (head) section = head[1].trim().toLowerCase();
    const pair = /^([^;#=:\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(line);
    if (pair && !head) current = { key: pair[1].trim().toLowerCase(), parts: [pair[2].trim()], at: kept.length };
    kept.push(line);
  }
  close();
  return { text: kept.join('\n'), values };
}
