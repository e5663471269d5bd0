import { Router } from 'express';
import { describeApi } from './api-description.ts';

/** What `GET /api/session` answers: who the caller is, so a page knows whether to ask for a token. */
export interface SessionInfo {
  role: string;
  /** The user's name, when the caller is a person with an account. */
  user: string | null;
  /** `none`: the server runs without auth (trusted LAN). */
  auth: 'token' | 'none';
}

/** `GET /api/session`: answers 401 without a valid credential, else who the caller is. */
export function sessionRoutes(options: { authEnabled: boolean }): Router {
  const r = Router();
  r.get('/api/session', (req, res) => {
    const info: SessionInfo = { role: req.role ?? 'admin', user: null, auth: options.authEnabled ? 'token' : 'none' };
    res.json(info);
  });
  return r;
}

describeApi([
  {
    method: 'get', path: '/api/session', tags: ['session'], summary: 'Who the caller is (role, user, auth mode)',
    responses: { '200': { description: 'the session', schema: { type: 'object', properties: { role: { type: 'string' }, user: { type: ['string', 'null'] }, auth: { enum: ['token', 'none'] } }, required: ['role', 'user', 'auth'] } } },
  },
]);
