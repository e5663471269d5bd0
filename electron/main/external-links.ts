/**
 * Which links the desktop app hands to the system browser (`shell.openExternal`). Only plain
 * http(s) links to a readable host pass: no `file:`, `javascript:` or custom schemes (they run
 * programs), no user name or password in the URL (`https://aws.amazon.com@evil.example/`), and
 * no internationalized host names, which the URL parser turns into `xn--` labels: that is how a
 * look-alike host (`аmazon.com` with a Cyrillic а) shows itself.
 */
export function externalLinkProblem(raw: string): string | undefined {
  if (raw.length > 2048) return 'the link is too long';
  if (/[\p{Cc}\s]/u.test(raw)) return 'the link contains spaces or control characters';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a valid URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${url.protocol} links are not opened`;
  if (url.username !== '' || url.password !== '') return 'links with a user name or password are not opened';
  const host = url.hostname;
  if (host === '') return 'the link has no host';
  if (host.split('.').some((label) => label.startsWith('xn--'))) return `the host ${host} is an internationalized name (a possible look-alike)`;
  if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/.test(host)) return `the host ${host} has unexpected characters`;
  return undefined;
}

export function isSafeExternalLink(raw: string): boolean {
  return externalLinkProblem(raw) === undefined;
}
