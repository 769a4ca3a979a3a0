import type { AccessRecord } from '../../ports/auth-store.js';
import { patternMatches } from '../../util/topic-pattern.js';
import { permissionFlags, type Permission, type PermissionFlags } from './permissions.js';

// The matcher lives in util/ because the account stores need it too (a reservation's conflict check).
export { patternMatches };

export type Action = 'read' | 'write';

export interface AccessInput {
  /** The authenticated user, or null for an anonymous caller. */
  userId: string | null;
  role: 'admin' | 'user' | 'anonymous';
  topic: string;
  /** May hold other users' entries too; only the caller's and everyone's are considered. */
  entries: readonly AccessRecord[];
  /** `auth-default-access`: applies when no entry matches. */
  defaultAccess: Permission;
}

/**
 * What a caller may do with a topic, by ntfy's rules: admins may do anything; otherwise the
 * entries that match the topic and belong to the caller or to everyone are ranked (the
 * caller's own first, then longer patterns, then those granting write) and the first decides;
 * with no match, `defaultAccess` does.
 */
export function resolveAccess(input: AccessInput): PermissionFlags {
  if (input.role === 'admin') return { read: true, write: true };
  // An anonymous caller is only ever "everyone", whatever id might have been passed along.
  const self = input.role === 'anonymous' ? null : input.userId;
  let best: AccessRecord | undefined;
  for (const entry of input.entries) {
    const own = self !== null && entry.userId === self;
    if (!own && entry.userId !== null) continue;
    if (!patternMatches(entry.pattern, input.topic)) continue;
    if (!best || ranksBefore(entry, best, self)) best = entry;
  }
  return best ? { read: best.read, write: best.write } : permissionFlags(input.defaultAccess);
}

export function isAllowed(access: PermissionFlags, action: Action): boolean {
  return action === 'read' ? access.read : access.write;
}

function ranksBefore(a: AccessRecord, b: AccessRecord, self: string | null): boolean {
  const aOwn = self !== null && a.userId === self;
  const bOwn = self !== null && b.userId === self;
  if (aOwn !== bOwn) return aOwn;
  if (a.pattern.length !== b.pattern.length) return a.pattern.length > b.pattern.length;
  if (a.write !== b.write) return a.write;
  // ntfy leaves the rest to the database's whim. Ranking the more generous entry first and
  // then by pattern text makes the answer independent of the order the store returned rows in.
  if (a.read !== b.read) return a.read;
  return a.pattern < b.pattern;
}
