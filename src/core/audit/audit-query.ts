import { HeraldError } from '../../errors/index.js';
import type { AuditQuery } from '../../ports/audit-log.js';

/** How many entries a listing answers when the caller does not say. */
export const DEFAULT_AUDIT_LIMIT = 100;

/** A listing as callers ask for it: times in Unix seconds, every filter optional. */
export interface AuditFilter {
  /** Entries at or after this second. */
  since?: number;
  /** Entries at or before this second (the whole second counts). */
  until?: number;
  actor?: string;
  action?: string;
  limit?: number;
}

/**
 * Turns a caller's filter into the log's query: seconds become milliseconds, `until` takes in
 * the whole of its second, and a range that ends before it starts is refused (400) rather than
 * answered with an empty page the caller would take for "nothing happened".
 */
export function auditQueryOf(filter: AuditFilter): AuditQuery {
  if (filter.since !== undefined && filter.until !== undefined && filter.until < filter.since) {
    throw new HeraldError('badRequest', { detail: `until (${filter.until}) is before since (${filter.since})` });
  }
  return {
    limit: filter.limit ?? DEFAULT_AUDIT_LIMIT,
    ...(filter.since !== undefined ? { since: filter.since * 1000 } : {}),
    ...(filter.until !== undefined ? { until: filter.until * 1000 + 999 } : {}),
    ...(filter.actor ? { actor: filter.actor } : {}),
    ...(filter.action ? { action: filter.action } : {}),
  };
}
