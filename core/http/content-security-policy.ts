/**
 * The Content-Security-Policy of the web UI: scripts only from the farm's own origin (no inline
 * script, no eval), connections (fetch, the event stream) only to that origin, no plugins, no
 * framing, forms posting only home. Styles may be inline: Vue binds `style` attributes.
 *
 * The desktop app sets it on every response of its in-process server (Electron's
 * `onHeadersReceived`), whatever the server sends; a server sending security headers to
 * browsers should send this same policy.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
