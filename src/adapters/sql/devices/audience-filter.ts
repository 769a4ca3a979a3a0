import { sql, type CompiledQuery, type Compilable, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import { EVERY_USER, type AudienceFilter, type AudiencePage } from '../../../ports/device-store.js';
import { deviceFilter } from './device-filter.js';
import { memberFromRow, type AudienceRow, type DevicesDatabase } from './schema.js';

type DevicesEb = ExpressionBuilder<DevicesDatabase, 'devices'>;

/**
 * Audience paging of a filter, and of a topic bound to every user, on both dialects. A filter is
 * walked along the index of its most selective field, the others checked on each row:
 * - listed ids: the primary key;
 * - listed users: devices (user, id), then, if "no user" is listed, every device;
 * - topics: per topic its own devices, its users' devices, then every device if the topic is bound
 *   to every user (a device reached twice is deduplicated by the caller, as for topic sends);
 * - nothing of these: every device.
 * Walks over every device or a topic's own devices go in windows of `limit` index entries: a page
 * reads the next `limit` entries and keeps those that match, so a rare platform costs a few short
 * pages per thousand devices rather than one page reading the whole registry (which on SQLite
 * would hold the connection, and the event loop, for as long). Walks over listed ids and users are
 * bounded by the lists and read `limit` matches at a time.
 *
 * A filter's shape varies per push, so these queries are built with Kysely rather than written
 * out; the dialect runs the compiled text (SQLite keeps the statements prepared, the text being
 * the same on every page of one push). See bench/filter-routing.ts for their pace next to a topic's.
 *
 * The cursor is JSON: `[walk]` at the start of a walk, `[walk, id]` or `[walk, user, id]` inside
 * one. A cursor of another shape starts from the top.
 */

/** One index walk of a filter's audience, with the filter fields left to check on each row. */
type Walk =
  | { kind: 'ids'; ids: readonly string[]; check: AudienceFilter }
  | { kind: 'users'; users: readonly string[]; check: AudienceFilter }
  | { kind: 'all'; check: AudienceFilter }
  | { kind: 'own'; topic: string; check: AudienceFilter }
  | { kind: 'bound'; topic: string; check: AudienceFilter }
  | { kind: 'everyone'; topic: string; check: AudienceFilter };

/** Where a walk stands: after this id, or after this (user, id). */
type Position = { id: string } | { user: string; id: string };

interface WalkPage {
  rows: AudienceRow[];
  /** Where the walk goes on; undefined once it is done. */
  position?: Position;
}

const COLUMNS = ['devices.id', 'devices.app', 'devices.provider', 'devices.token', 'devices.p256dh', 'devices.auth', 'devices.user'] as const;

/** How a dialect pages filters: the connection, and how it runs a compiled query. */
export interface FilterPaging {
  db: Kysely<DevicesDatabase>;
  run<R>(query: CompiledQuery<R>): Promise<R[]>;
  /**
   * Whether a walk of a topic's own devices bounds the devices' key as well as device_topics':
   * PostgreSQL may merge the two key orders and must not start the devices' side at the top;
   * SQLite always loops over device_topics and only pays for the extra comparisons.
   */
  boundBothKeys: boolean;
}

export async function pageFilterAudience(paging: FilterPaging, filter: AudienceFilter, after: string | undefined, limit: number): Promise<AudiencePage> {
  const walks = walksOf(filter);
  const at = parseCursor(after);
  const walk = walks[at.walk];
  if (!walk) return { members: [] };
  const page = await pageWalk(paging, walk, at.position, limit);
  const members = page.rows.map(memberFromRow);
  if (page.position) return { members, next: JSON.stringify([at.walk, ...positionParts(page.position)]) };
  return at.walk + 1 < walks.length ? { members, next: JSON.stringify([at.walk + 1]) } : { members };
}

/** Every active device while `topic` is bound to every user, none otherwise; the cursor is the last id read. */
export async function pageEveryoneAudience(paging: FilterPaging, topic: string, after: string | undefined, limit: number): Promise<AudiencePage> {
  const page = await pageWalk(paging, { kind: 'everyone', topic, check: {} }, after !== undefined ? { id: after } : undefined, limit);
  const members = page.rows.map(memberFromRow);
  return page.position ? { members, next: page.position.id } : { members };
}

/** The walks of a filter, the same for the same filter on every page. */
function walksOf(filter: AudienceFilter): Walk[] {
  const { ids, users, topics, ...others } = filter;
  if (ids?.length) return [{ kind: 'ids', ids: [...new Set(ids)], check: { ...others, ...(users?.length ? { users } : {}), ...(topics?.length ? { topics } : {}) } }];
  if (users?.length) {
    const check = { ...others, ...(topics?.length ? { topics } : {}) };
    const named = [...new Set(users.filter((u): u is string => u !== null))];
    const walks: Walk[] = [];
    if (named.length > 0) walks.push({ kind: 'users', users: named, check });
    if (users.includes(null)) walks.push({ kind: 'all', check: { ...check, users: [null] } });
    return walks;
  }
  if (topics?.length) {
    return [...new Set(topics)].flatMap((topic): Walk[] => [
      { kind: 'own', topic, check: others }, { kind: 'bound', topic, check: others }, { kind: 'everyone', topic, check: others },
    ]);
  }
  return [{ kind: 'all', check: others }];
}

async function pageWalk(paging: FilterPaging, walk: Walk, position: Position | undefined, limit: number): Promise<WalkPage> {
  const { db } = paging;
  const all = async <R>(query: Compilable<R>): Promise<R[]> => paging.run(query.compile());
  const first = async <R>(query: Compilable<R>): Promise<R | undefined> => (await all(query))[0];
  const afterId = position?.id ?? '';
  const check = (eb: DevicesEb) => deviceFilter(eb, walk.check);
  switch (walk.kind) {
    case 'ids': {
      const rows = await all(db.selectFrom('devices').select(COLUMNS)
        .where('devices.id', 'in', walk.ids).where('devices.id', '>', afterId).where('devices.state', '=', 'active').where(check)
        .orderBy('devices.id').limit(limit));
      return full(rows, limit, (last) => ({ id: last.id }));
    }
    case 'users':
    case 'bound': {
      const from = position && 'user' in position ? position : undefined;
      let q = walk.kind === 'users'
        ? db.selectFrom('devices').select(COLUMNS).where('devices.user', 'in', walk.users)
        // The explicit bound on user_topics lets its scan start at the cursor, as in the topic paging.
        : db.selectFrom('user_topics').innerJoin('devices', 'devices.user', 'user_topics.user').select(COLUMNS)
          .where('user_topics.topic', '=', walk.topic).where('user_topics.user', '>=', from?.user ?? '');
      if (from) q = q.where((eb) => eb(eb.refTuple('devices.user', 'devices.id'), '>', eb.tuple(from.user, from.id)));
      const rows = await all(q.where((eb) => notIndexedActive(eb)).where((eb) => check(eb as unknown as DevicesEb))
        .orderBy('devices.user').orderBy('devices.id').limit(limit));
      return full(rows, limit, (last) => ({ user: last.user ?? '', id: last.id }));
    }
    case 'own': {
      const end = await first(db.selectFrom('device_topics').select('device_id')
        .where('topic', '=', walk.topic).where('device_id', '>', afterId).orderBy('device_id').limit(1).offset(limit - 1));
      let q = db.selectFrom('device_topics').innerJoin('devices', 'devices.id', 'device_topics.device_id').select(COLUMNS)
        .where('device_topics.topic', '=', walk.topic).where('device_topics.device_id', '>', afterId);
      if (end) q = q.where('device_topics.device_id', '<=', end.device_id);
      if (paging.boundBothKeys) {
        q = q.where('devices.id', '>', afterId);
        if (end) q = q.where('devices.id', '<=', end.device_id);
      }
      const rows = await all(q.where((eb) => notIndexedActive(eb)).where((eb) => check(eb as unknown as DevicesEb))
        .orderBy('device_topics.device_id'));
      return end ? { rows, position: { id: end.device_id } } : { rows };
    }
    case 'everyone': {
      const bound = await first(db.selectFrom('user_topics').select('topic').where('user', '=', EVERY_USER).where('topic', '=', walk.topic));
      if (!bound) return { rows: [] };
      return pageAll(walk.check);
    }
    case 'all':
      return pageAll(walk.check);
  }

  /** The next window of `limit` devices in id order, keeping the active ones that match. */
  async function pageAll(filter: AudienceFilter): Promise<WalkPage> {
    const end = await first(db.selectFrom('devices').select('id').where('id', '>', afterId).orderBy('id').limit(1).offset(limit - 1));
    let q = db.selectFrom('devices').select(COLUMNS).where('devices.id', '>', afterId);
    if (end) q = q.where('devices.id', '<=', end.id);
    const rows = await all(q.where('devices.state', '=', 'active').where((eb) => deviceFilter(eb, filter)).orderBy('devices.id'));
    return end ? { rows, position: { id: end.id } } : { rows };
  }
}

/**
 * `state = 'active'` in a form no index answers: walks in (user, id) or topic order must stay on
 * their own index, and SQLite would otherwise pick its far less selective (state, id).
 */
function notIndexedActive(eb: ExpressionBuilder<DevicesDatabase, 'devices'>): Expression<SqlBool> {
  return sql<SqlBool>`${eb.ref('devices.state')} || '' = 'active'`;
}

/** A walk reading `limit` matches at a time goes on after the last one of a full page. */
function full(rows: AudienceRow[], limit: number, at: (last: AudienceRow) => Position): WalkPage {
  const last = rows[rows.length - 1];
  return rows.length < limit || !last ? { rows } : { rows, position: at(last) };
}

function positionParts(p: Position): string[] {
  return 'user' in p ? [p.user, p.id] : [p.id];
}

function parseCursor(after: string | undefined): { walk: number; position?: Position } {
  if (after === undefined) return { walk: 0 };
  try {
    const parsed = JSON.parse(after) as unknown;
    if (Array.isArray(parsed) && Number.isInteger(parsed[0]) && parsed.slice(1).every((p) => typeof p === 'string')) {
      const [walk, a, b] = parsed as [number, string?, string?];
      if (a === undefined) return { walk };
      return b === undefined ? { walk, position: { id: a } } : { walk, position: { user: a, id: b } };
    }
  } catch {
    // fall through: not a cursor of this source
  }
  return { walk: 0 };
}
