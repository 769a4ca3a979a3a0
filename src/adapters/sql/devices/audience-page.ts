import type { AudiencePage, AudienceSource } from '../../../ports/device-store.js';
import { memberFromRow, type AudienceRow } from './schema.js';

/**
 * The cursor format of audience pages, the same on both dialects (a push's routing cursor is
 * stored, so an installation copied to PostgreSQL mid-broadcast goes on where it stood). Sources
 * ordered by device id carry the last id; sources ordered by user carry `[user, id]` as JSON.
 */

/** The page of `rows` (already at most `limit`), with where the next one starts when it was full. */
export function audiencePage(source: AudienceSource, rows: AudienceRow[], limit: number): AudiencePage {
  const members = rows.map(memberFromRow);
  const last = rows[rows.length - 1];
  if (rows.length < limit || !last) return { members };
  const next = source.kind === 'users' || source.kind === 'topicUsers' ? JSON.stringify([last.user, last.id]) : last.id;
  return { members, next };
}

/** The (user, id) position of a user-ordered cursor; a cursor of another shape starts from the top. */
export function userCursor(after: string | undefined): { user: string; id: string } | undefined {
  if (after === undefined) return undefined;
  try {
    const parsed = JSON.parse(after) as unknown;
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') return { user: parsed[0], id: parsed[1] };
  } catch {
    // fall through: a cursor from another source starts this one from the top
  }
  return undefined;
}
