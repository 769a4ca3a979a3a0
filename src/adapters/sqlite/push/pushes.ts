import type Database from 'better-sqlite3';
import type { PushIdScope, PushRecord, PushStore } from '../../../ports/push-store.js';
import type { WriteLock } from '../write-lock.js';
import { acceptedPushRecord } from '../../sql/push/rows.js';
import { laneIndex, pushFromRow, type PushRow } from './schema.js';

/** The push rows themselves: accepting a push, and finding it again by id, scope or seq. */
export function preparePushes(sqlite: Database.Database, lock: WriteLock): Pick<PushStore, 'create' | 'byId' | 'byAnalyticsId' | 'recent' | 'bySeq' | 'unrouted' | 'list'> {
  const insert = sqlite.prepare<[string, number, number | null, number | null, string, string, number, string, string | null, string | null]>(
    `INSERT INTO pushes (id, created_at, send_at, expires_at, content, audience, lane, phase, actor, category, analytics_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'accepted', ?, ?, ?)`);
  const bySeq = sqlite.prepare<[number], PushRow>('SELECT * FROM pushes WHERE seq = ?');
  // Ids are the caller's and may repeat over time: the newest push with the id wins.
  const byId = sqlite.prepare<[string], PushRow>('SELECT * FROM pushes WHERE id = ? ORDER BY created_at DESC, seq DESC LIMIT 1');
  const byIdOf = sqlite.prepare<[string, string], PushRow>('SELECT * FROM pushes WHERE id = ? AND actor = ? ORDER BY created_at DESC, seq DESC LIMIT 1');
  const byIdIn = sqlite.prepare<[string, string], PushRow>(
    'SELECT * FROM pushes WHERE id = ? AND category IN (SELECT value FROM json_each(?)) ORDER BY created_at DESC, seq DESC LIMIT 1');
  // `analytics_id = ?` implies IS NOT NULL, so these read the partial index.
  const byAnalytics = sqlite.prepare<[string], PushRow>('SELECT * FROM pushes WHERE analytics_id = ? ORDER BY created_at DESC, seq DESC LIMIT 1');
  const byAnalyticsOf = sqlite.prepare<[string, string], PushRow>(
    'SELECT * FROM pushes WHERE analytics_id = ? AND actor = ? ORDER BY created_at DESC, seq DESC LIMIT 1');
  const byAnalyticsIn = sqlite.prepare<[string, string], PushRow>(
    'SELECT * FROM pushes WHERE analytics_id = ? AND category IN (SELECT value FROM json_each(?)) ORDER BY created_at DESC, seq DESC LIMIT 1');
  const recent = sqlite.prepare<[string, string, number], PushRow>(
    'SELECT * FROM pushes WHERE id = ? AND actor = ? AND created_at >= ? ORDER BY created_at DESC, seq DESC LIMIT 1');
  const unrouted = sqlite.prepare<[], PushRow>("SELECT * FROM pushes WHERE phase IN ('accepted', 'routing') ORDER BY seq");
  // Newest first along the primary key: each page is a range scan below the last seq seen.
  const page = sqlite.prepare<[number, number], PushRow>('SELECT * FROM pushes WHERE seq < ? ORDER BY seq DESC LIMIT ?');
  const pageIn = sqlite.prepare<[number, string, number], PushRow>(
    'SELECT * FROM pushes WHERE seq < ? AND category IN (SELECT value FROM json_each(?)) ORDER BY seq DESC LIMIT ?');

  return {
    async create(push) {
      const { lastInsertRowid } = lock.run(() => insert.run(push.id, push.createdAt, push.sendAt, push.expiresAt, JSON.stringify(push.content), JSON.stringify(push.audience), laneIndex(push.lane), push.actor, push.category ?? null, push.analyticsId ?? null));
      return acceptedPushRecord(Number(lastInsertRowid), push);
    },
    async byId(id, scope) {
      return newest(id, scope, byId, byIdOf, byIdIn);
    },
    async byAnalyticsId(analyticsId, scope) {
      return newest(analyticsId, scope, byAnalytics, byAnalyticsOf, byAnalyticsIn);
    },
    async recent(id, actor, since) {
      const row = recent.get(id, actor, since);
      return row && pushFromRow(row);
    },
    async bySeq(seq) {
      const row = bySeq.get(seq);
      return row && pushFromRow(row);
    },
    async unrouted() {
      return unrouted.all().map(pushFromRow);
    },
    async list(query) {
      const before = query.beforeSeq ?? Number.MAX_SAFE_INTEGER;
      const rows = query.categories ? pageIn.all(before, JSON.stringify(query.categories), query.limit) : page.all(before, query.limit);
      return rows.map(pushFromRow);
    },
  };
}

type Lookup<P extends unknown[]> = Database.Statement<P, PushRow>;

/** The newest push under a key (push id or analytics id), scoped as PushStore.byId describes. */
function newest(key: string, scope: PushIdScope | undefined, all: Lookup<[string]>, of: Lookup<[string, string]>, inCategories: Lookup<[string, string]>): PushRecord | undefined {
  let row: PushRow | undefined;
  if (scope?.actor !== undefined) {
    row = of.get(key, scope.actor);
    if (row && scope.categories && !scope.categories.includes(row.category ?? '')) row = undefined;
  } else if (scope?.categories) {
    row = inCategories.get(key, JSON.stringify(scope.categories));
  } else {
    row = all.get(key);
  }
  return row && pushFromRow(row);
}
