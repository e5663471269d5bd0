/** The server's types for people, sessions and the audit log, as the page sees them (types only). */
export type { SessionInfo, LoginOptions } from '../../../core/http/session-routes.ts';
export type { PublicUser, NotifyChoices } from '../../../core/access/user-store.ts';
export type { UserRole } from '../../../core/access/policy.ts';
import type { AuditEntry } from '../../../core/ops/audit-log.ts';

export type { AuditEntry };

/** The keys of `GET /api/session`'s `can` (core/access/policy.ts `capabilities`). */
export type Capability =
  | 'submit' | 'editOwnJobs' | 'editAnyJob' | 'deleteOwnJobs' | 'deleteAnyJob' | 'manageWorkers'
  | 'terminateInstances' | 'cloudAdmin' | 'manageUsers' | 'readAudit';

/** `POST /api/users/me/tokens`: the token itself, shown once. */
export interface IssuedToken {
  id: string;
  token: string;
}

/** `GET /api/audit`. */
export interface AuditPage {
  total: number;
  entries: AuditEntry[];
}
