import type { ServerResponse } from 'node:http';

/**
 * A refused caller (no token, wrong token) gets its answer and then loses the connection
 * (`Connection: close` makes node end the socket once the answer is out, unread body or not),
 * so it cannot hold the connection open by trickling a body or reuse it for more attempts.
 */
export function closeAfterResponse(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('Connection', 'close');
}

/** Statuses after which the connection is closed. */
export const closesConnection = (status: number): boolean => status === 401 || status === 403;
