import type { Session } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../../core/http/content-security-policy.ts';

/** `http://127.0.0.1:19211/*`: Electron's URL filter for every request to the farm's origin. */
function originFilter(origin: string): string[] {
  return [`${origin}/*`];
}

function sameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}

/**
 * Locks the window's session to the farm:
 * - requests to the farm's origin carry the admin token, added here, so the page never holds it
 *   (and a request to any other origin never gets it);
 * - every response of the farm's origin carries the Content-Security-Policy, whatever the server sent;
 * - permission requests and checks (camera, notifications, clipboard, …) are denied.
 */
export function secureSession(session: Session, origin: string, adminToken: string | undefined): void {
  session.webRequest.onBeforeSendHeaders({ urls: originFilter(origin) }, (details, callback) => {
    const requestHeaders = { ...details.requestHeaders };
    if (adminToken && sameOrigin(details.url, origin)) requestHeaders.Authorization = `Bearer ${adminToken}`;
    callback({ requestHeaders });
  });
  session.webRequest.onHeadersReceived({ urls: originFilter(origin) }, (details, callback) => {
    if (!sameOrigin(details.url, origin)) return callback({});
    const responseHeaders: Record<string, string[]> = {};
    for (const [name, values] of Object.entries(details.responseHeaders ?? {})) {
      if (name.toLowerCase() !== 'content-security-policy') responseHeaders[name] = values;
    }
    responseHeaders['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
    callback({ responseHeaders });
  });
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}
