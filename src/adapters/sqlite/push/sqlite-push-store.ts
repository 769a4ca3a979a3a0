import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Provider } from '../../../ports/device-store.js';
import { LANES, type Lane } from '../../../ports/queue.js';
import type {
  DeadDelivery,
  NewDelivery,
  DeliveryRecord,
  DeliveryResult,
  DeliveryState,
  PushCounts,
  PushPhase,
  PushRecord,
  PushStats,
  PushStore,
} from '../../../ports/push-store.js';
import type { OutcomeKind } from '../../../ports/provider.js';
import { bucketOf, percentiles } from '../../../util/log-buckets.js';
import { GroupCommit } from '../group-commit.js';
import { NO_WRITE_LOCK, type WriteLock } from '../write-lock.js';
import { migrateLocked } from '../locked-migrate.js';
import { PUSH_MIGRATION_LOCK_TABLE, PUSH_MIGRATION_TABLE, pushMigrations } from './migrations.js';

export interface SqlitePushStoreOptions {
  /** The queue file (shared with the queue's tables), or ':memory:'. */
  file: string;
  /** Shared with every other thread writing the same file (the queue's connections included). */
  writeLock?: WriteLock;
}

export type SqlitePushStore = PushStore & { close(): Promise<void> };

interface PushRow {
  seq: number;
  id: string;
  created_at: number;
  send_at: number | null;
  expires_at: number | null;
  content: string;
  audience: string;
  lane: number;
  phase: PushPhase;
  routed_cursor: string | null;
  enqueued_cursor: string | null;
  targets: number;
  actor: string;
  category: string | null;
}

interface DeliveryRow {
  push_seq: number;
  target: string;
  device_id: string | null;
  provider: Provider;
  app: string;
  token: string;
  p256dh: string | null;
  auth: string | null;
  state: DeliveryState;
  attempts: number;
  next_at: number | null;
  last_status: number | null;
  last_error: string | null;
  provider_id: string | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
}

const MINUTE = 60_000;
/** Rows per statement when pruning, so retention never holds the write lock for long. */
const PRUNE_BATCH = 5000;

/**
 * The push ledger on SQLite, in the queue's file but on a connection of its own. Every statement
 * is prepared once and every transaction is synchronous (better-sqlite3), so no transaction ever
 * spans an await and the two connections can never wait on each other inside this process.
 *
 * Its commits are not synced (synchronous = NORMAL), and that is safe because of where it lives:
 * both connections write one WAL, in commit order, and the queue syncs every commit. Each ledger
 * write that must survive a power cut is followed by a queue write before anything relies on it
 * (a push row before its route job and the 202; outcomes before the ack), and syncing the WAL
 * for the queue's commit makes every earlier frame durable too. A ledger write lost with no queue
 * write after it (a claim, a cursor) is one the recovery paths redo.
 */
export async function createSqlitePushStore(options: SqlitePushStoreOptions): Promise<SqlitePushStore> {
  if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
  const sqlite = new Database(options.file, { timeout: 15000 });
  const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 15000');
    // A broadcast rewrites the same pages of the ledger over and over: keep them in memory.
    sqlite.pragma('cache_size = -65536');
    sqlite.pragma('mmap_size = 268435456');
    // Each delivery's row is written twice within seconds; a larger WAL before checkpointing
    // copies such a page into the database once instead of after every thousand page writes.
    sqlite.pragma('wal_autocheckpoint = 10000');
    await migrateLocked(sqlite, kysely, { provider: pushMigrations, migrationTableName: PUSH_MIGRATION_TABLE, migrationLockTableName: PUSH_MIGRATION_LOCK_TABLE });
  } catch (err) {
    await kysely.destroy();
    throw err;
  }

  const lock = options.writeLock ?? NO_WRITE_LOCK;
  const q = {
    insertPush: sqlite.prepare<[string, number, number | null, number | null, string, string, number, string, string | null], PushRow>(
      `INSERT INTO pushes (id, created_at, send_at, expires_at, content, audience, lane, phase, actor, category)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'accepted', ?, ?) RETURNING *`),
    pushBySeq: sqlite.prepare<[number], PushRow>('SELECT * FROM pushes WHERE seq = ?'),
    pushById: sqlite.prepare<[string], PushRow>('SELECT * FROM pushes WHERE id = ? ORDER BY created_at DESC, seq DESC LIMIT 1'),
    pushByIdOf: sqlite.prepare<[string, string], PushRow>('SELECT * FROM pushes WHERE id = ? AND actor = ? ORDER BY created_at DESC, seq DESC LIMIT 1'),
    pushByIdIn: sqlite.prepare<[string, string], PushRow>(
      'SELECT * FROM pushes WHERE id = ? AND category IN (SELECT value FROM json_each(?)) ORDER BY created_at DESC, seq DESC LIMIT 1'),
    pushRecent: sqlite.prepare<[string, string, number], PushRow>(
      'SELECT * FROM pushes WHERE id = ? AND actor = ? AND created_at >= ? ORDER BY created_at DESC, seq DESC LIMIT 1'),
    unrouted: sqlite.prepare<[], PushRow>("SELECT * FROM pushes WHERE phase IN ('accepted', 'routing') ORDER BY seq"),
    advance: sqlite.prepare<{ seq: number; from: string | null; to: string | null; done: number; added: number }>(
      `UPDATE pushes SET routed_cursor = :to, targets = targets + :added,
         phase = CASE WHEN :done THEN 'routed' ELSE 'routing' END
       WHERE seq = :seq AND routed_cursor IS :from AND phase IN ('accepted', 'routing')`),
    bump: sqlite.prepare<[number, string, string, number]>(
      'INSERT INTO push_counts (push_seq, provider, state, n) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n'),
    insertDelivery: sqlite.prepare<[number, string, string | null, string, string, string, string | null, string | null, number, number]>(
      `INSERT INTO deliveries (push_seq, target, device_id, provider, app, token, p256dh, auth, state, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?) ON CONFLICT DO NOTHING`),
    setEnqueued: sqlite.prepare<[string | null, number]>('UPDATE pushes SET enqueued_cursor = ? WHERE seq = ?'),
    queued: sqlite.prepare<[number, string, number], DeliveryRow>(
      `SELECT * FROM deliveries WHERE push_seq = ? AND state = 'queued' AND target > ? ORDER BY target LIMIT ?`),
    // The common case (a job's first run: every delivery still queued) is one statement.
    claimQueued: sqlite.prepare<{ seq: number; targets: string; claim: string; now: number }, Omit<ClaimRow, 'state'>>(
      `UPDATE deliveries SET state = 'sending', claim = :claim, attempts = attempts + 1, next_at = NULL, updated_at = :now
       WHERE push_seq = :seq AND target IN (SELECT value FROM json_each(:targets)) AND state = 'queued'
       RETURNING target, device_id, provider, app, token, p256dh, auth, attempts`),
    claimable: sqlite.prepare<{ seq: number; targets: string; claim: string; now: number; dead: number }, ClaimRow>(
      `SELECT target, device_id, provider, app, token, p256dh, auth, attempts, state FROM deliveries
       WHERE push_seq = :seq AND target IN (SELECT value FROM json_each(:targets))
         AND (state = 'queued' OR (state = 'retrying' AND next_at <= :now) OR (state = 'sending' AND claim = :claim) OR (:dead AND state = 'dead'))`),
    claimOne: sqlite.prepare<[string, number, number, string]>(
      `UPDATE deliveries SET state = 'sending', claim = ?, attempts = attempts + 1, next_at = NULL, updated_at = ? WHERE push_seq = ? AND target = ?`),
    record: sqlite.prepare<{ seq: number; target: string; state: string; nextAt: number | null; status: number | null; error: string | null; pid: string | null; now: number }>(
      `UPDATE deliveries SET state = :state, claim = NULL, next_at = :nextAt, last_status = :status, last_error = :error,
         provider_id = coalesce(:pid, provider_id), updated_at = :now, sent_at = CASE WHEN :state = 'sent' THEN :now ELSE sent_at END
       WHERE push_seq = :seq AND target = :target AND state = 'sending'`),
    // A delivery cancelled while its attempt was in flight (state 'cancelled', claim still set): the
    // attempt's result only replaces 'cancelled' when the provider had the push already.
    recordCancelled: sqlite.prepare<{ seq: number; target: string; state: string; status: number | null; error: string | null; pid: string | null; now: number }>(
      `UPDATE deliveries SET state = :state, claim = NULL, last_status = coalesce(:status, last_status), last_error = coalesce(:error, last_error),
         provider_id = coalesce(:pid, provider_id), updated_at = :now, sent_at = CASE WHEN :state = 'sent' THEN :now ELSE sent_at END
       WHERE push_seq = :seq AND target = :target AND state = 'cancelled' AND claim IS NOT NULL`),
    addStat: sqlite.prepare<[number, string, string, string, number]>(
      `INSERT INTO push_stats (minute, app, provider, state, count) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET count = count + excluded.count`),
    dropStat: sqlite.prepare<[number, string, string, string]>(
      'UPDATE push_stats SET count = count - 1 WHERE minute = ? AND app = ? AND provider = ? AND state = ? AND count > 0'),
    addAttempt: sqlite.prepare<[number, string, string, string, number]>(
      `INSERT INTO push_attempts (minute, app, provider, outcome, count) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET count = count + excluded.count`),
    addLatency: sqlite.prepare<[number, string, string, number, number]>(
      `INSERT INTO push_latency (minute, app, provider, bucket, count) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET count = count + excluded.count`),
    cancelPush: sqlite.prepare<[number]>("UPDATE pushes SET phase = 'cancelled' WHERE seq = ?"),
    cancelDeliveries: sqlite.prepare<[number, number, string], { provider: string; app: string }>(
      "UPDATE deliveries SET state = 'cancelled', claim = NULL, next_at = NULL, updated_at = ? WHERE push_seq = ? AND state = ? RETURNING provider, app"),
    // In flight: the claim stays, so the attempt's result can still be told apart (see recordCancelled).
    cancelSending: sqlite.prepare<[number, number], { provider: string }>(
      "UPDATE deliveries SET state = 'cancelled', next_at = NULL, updated_at = ? WHERE push_seq = ? AND state = 'sending' RETURNING provider"),
    counts: sqlite.prepare<[number], { provider: Provider; state: DeliveryState; n: number }>(
      'SELECT provider, state, n FROM push_counts WHERE push_seq = ? AND n <> 0'),
    list: sqlite.prepare<{ seq: number; after: string; limit: number }, DeliveryRow>(
      'SELECT * FROM deliveries WHERE push_seq = :seq AND target > :after ORDER BY target LIMIT :limit'),
    listState: sqlite.prepare<{ seq: number; state: string; after: string; limit: number }, DeliveryRow>(
      'SELECT * FROM deliveries WHERE push_seq = :seq AND state = :state AND target > :after ORDER BY target LIMIT :limit'),
    report: sqlite.prepare<[string, number, number, string]>('UPDATE deliveries SET state = ?, updated_at = ? WHERE push_seq = ? AND target = ?'),
    reportedState: sqlite.prepare<[number, string], { state: DeliveryState; provider: string }>('SELECT state, provider FROM deliveries WHERE push_seq = ? AND target = ?'),
    dead: sqlite.prepare<{ provider: string | null; app: string | null; at: number; seq: number; target: string; limit: number }, DeliveryRow & { push_id: string }>(
      `SELECT d.*, p.id AS push_id FROM deliveries d JOIN pushes p ON p.seq = d.push_seq
       WHERE d.state = 'dead' AND (:provider IS NULL OR d.provider = :provider) AND (:app IS NULL OR d.app = :app)
         AND (d.updated_at, d.push_seq, d.target) < (:at, :seq, :target)
       ORDER BY d.updated_at DESC, d.push_seq DESC, d.target DESC LIMIT :limit`),
    deadOne: sqlite.prepare<[number, string], DeliveryRow>("SELECT * FROM deliveries WHERE push_seq = ? AND target = ? AND state = 'dead'"),
    deadOldest: sqlite.prepare<{ provider: string | null; app: string | null; limit: number }, DeliveryRow>(
      `SELECT * FROM deliveries WHERE state = 'dead' AND (:provider IS NULL OR provider = :provider) AND (:app IS NULL OR app = :app)
       ORDER BY updated_at, push_seq, target LIMIT :limit`),
    revive: sqlite.prepare<[number, number, string]>(
      "UPDATE deliveries SET state = 'queued', attempts = 0, claim = NULL, next_at = NULL, updated_at = ? WHERE push_seq = ? AND target = ? AND state = 'dead'"),
    stats: sqlite.prepare<{ from: number; to: number; app: string | null }, { provider: Provider; state: DeliveryState; n: number }>(
      `SELECT provider, state, sum(count) AS n FROM push_stats WHERE minute >= :from AND minute <= :to AND (:app IS NULL OR app = :app)
       GROUP BY provider, state`),
    attempts: sqlite.prepare<{ from: number; to: number; app: string | null }, { provider: Provider; outcome: OutcomeKind; n: number }>(
      `SELECT provider, outcome, sum(count) AS n FROM push_attempts WHERE minute >= :from AND minute <= :to AND (:app IS NULL OR app = :app)
       GROUP BY provider, outcome`),
    latency: sqlite.prepare<{ from: number; to: number; app: string | null }, { bucket: number; n: number }>(
      `SELECT bucket, sum(count) AS n FROM push_latency WHERE minute >= :from AND minute <= :to AND (:app IS NULL OR app = :app)
       GROUP BY bucket`),
    oldPushes: sqlite.prepare<[number, number], number>(
      'SELECT seq FROM pushes WHERE created_at < ? AND coalesce(send_at, 0) < ? ORDER BY seq LIMIT 100').pluck(),
    deleteDeliveries: sqlite.prepare<[number, number, number]>(
      'DELETE FROM deliveries WHERE push_seq = ? AND target IN (SELECT target FROM deliveries WHERE push_seq = ? LIMIT ?)'),
    deletePush: sqlite.prepare<[number]>('DELETE FROM pushes WHERE seq = ?'),
    pushesNamingUser: sqlite.prepare<[string], { seq: number; audience: string }>(
      `SELECT seq, audience FROM pushes WHERE EXISTS (SELECT 1 FROM json_each(audience, '$.users') WHERE value = ?)`),
    setPushAudience: sqlite.prepare<[string, number]>('UPDATE pushes SET audience = ? WHERE seq = ?'),
    forgetDeviceTokens: sqlite.prepare<[string]>(
      `UPDATE deliveries SET token = '', p256dh = NULL, auth = NULL, device_id = NULL WHERE device_id IN (SELECT value FROM json_each(?))`),
    deleteCounts: sqlite.prepare<[number]>('DELETE FROM push_counts WHERE push_seq = ?'),
    pruneStats: sqlite.prepare<[number]>('DELETE FROM push_stats WHERE minute < ?'),
    pruneLatency: sqlite.prepare<[number]>('DELETE FROM push_latency WHERE minute < ?'),
    pruneAttempts: sqlite.prepare<[number]>('DELETE FROM push_attempts WHERE minute < ?'),
  };

  /** Count changes gathered over one transaction, applied at its end as one upsert per key. */
  class Deltas {
    readonly #map = new Map<string, number>();
    add(seq: number, provider: string, state: string, n: number): void {
      const key = `${seq}\0${provider}\0${state}`;
      this.#map.set(key, (this.#map.get(key) ?? 0) + n);
    }
    move(seq: number, provider: string, from: string, to: string): void {
      this.add(seq, provider, from, -1);
      this.add(seq, provider, to, 1);
    }
    apply(): void {
      for (const [key, n] of this.#map) {
        if (n === 0) continue;
        const [seq, provider, state] = key.split('\0') as [string, string, string];
        q.bump.run(Number(seq), provider, state, n);
      }
    }
  }

  const addDeliveries = sqlite.transaction((seq: number, from: string | null, to: string, rows: readonly NewDelivery[], done: boolean, now: number): string[] => {
    const added: string[] = [];
    const deltas = new Deltas();
    for (const r of rows) {
      if (q.insertDelivery.run(seq, r.target, r.deviceId, r.provider, r.app, r.token, r.p256dh, r.auth, now, now).changes === 0) continue;
      added.push(r.target);
      deltas.add(seq, r.provider, 'queued', 1);
    }
    // The cursor check comes last but inside the same transaction: if another router moved it, the
    // inserts above roll back with it.
    if (q.advance.run({ seq, from, to, done: done ? 1 : 0, added: added.length }).changes === 0) throw CURSOR_MOVED;
    deltas.apply();
    return added;
  });

  // Run inside the group commits' transactions below.
  const claim = (seq: number, targets: string, count: number, claimId: string, now: number, dead: boolean): ClaimRow[] => {
    const deltas = new Deltas();
    const rows: ClaimRow[] = q.claimQueued.all({ seq, targets, claim: claimId, now }).map((r) => ({ ...r, state: 'sending' as const }));
    for (const r of rows) deltas.move(seq, r.provider, 'queued', 'sending');
    // Retries, a re-run after a crash, replays: the other claimable states, row by row.
    if (rows.length < count) {
      // The statement above just put its rows under this claim, which the query below also accepts
      // (for a re-run after a crash): skip them, or they would be claimed and sent twice.
      const taken = new Set(rows.map((r) => r.target));
      for (const r of q.claimable.all({ seq, targets, claim: claimId, now, dead: dead ? 1 : 0 })) {
        if (taken.has(r.target)) continue;
        q.claimOne.run(claimId, now, seq, r.target);
        if (r.state !== 'sending') deltas.move(seq, r.provider, r.state, 'sending');
        r.attempts++;
        rows.push(r);
      }
      rows.sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
    }
    deltas.apply();
    return rows;
  };

  const record = (results: readonly DeliveryResult[], now: number): void => {
    const counts = new Map<string, number>();
    const attempts = new Map<string, number>();
    const latency = new Map<string, number>();
    const deltas = new Deltas();
    const minute = Math.floor(now / MINUTE);
    const tally = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
    for (const r of results) {
      const row = {
        seq: r.pushSeq, target: r.target, status: r.status ?? null, error: r.error ?? null, pid: r.providerId ?? null, now,
      };
      let state: string = r.state;
      if (q.record.run({ ...row, state, nextAt: r.nextAt ?? null }).changes > 0) {
        deltas.move(r.pushSeq, r.provider, 'sending', state);
      } else {
        // Cancelled in flight: only an answer that says the provider has it overrides the cancel.
        state = PROVIDER_FINAL.has(r.state) ? r.state : 'cancelled';
        if (q.recordCancelled.run({ ...row, state }).changes === 0) continue;
        if (state !== 'cancelled') deltas.move(r.pushSeq, r.provider, 'cancelled', state);
      }
      if (r.attempt !== undefined) tally(attempts, `${r.app}\0${r.provider}\0${r.attempt}`);
      // A retry is not where a delivery ends; it is counted once it ends.
      if (state !== 'retrying') tally(counts, `${r.app}\0${r.provider}\0${state}`);
      if (state === 'sent' && r.latencyMs !== undefined) tally(latency, `${r.app}\0${r.provider}\0${bucketOf(Math.max(0, r.latencyMs))}`);
    }
    deltas.apply();
    for (const [key, n] of counts) {
      const [app, provider, state] = key.split('\0') as [string, string, string];
      q.addStat.run(minute, app, provider, state, n);
    }
    for (const [key, n] of attempts) {
      const [app, provider, outcome] = key.split('\0') as [string, string, string];
      q.addAttempt.run(minute, app, provider, outcome, n);
    }
    for (const [key, n] of latency) {
      const [app, provider, bucket] = key.split('\0') as [string, string, string];
      q.addLatency.run(minute, app, provider, Number(bucket), n);
    }
  };

  const claimBatch = sqlite.transaction((batch: PendingClaim[]) => {
    for (const c of batch) c.rows = claim(c.seq, c.targets, c.count, c.claimId, c.now, c.dead);
  });
  const recordBatch = sqlite.transaction((batch: { results: readonly DeliveryResult[]; now: number }[]) => {
    for (const b of batch) record(b.results, b.now);
  });
  // Claims and outcomes of the jobs in flight at one moment share a transaction: fewer commits, and
  // the b-tree pages of neighbouring deliveries are written once instead of once per job.
  // At most a few hundred rows per transaction: the write lock is shared with the API thread and
  // every other delivery thread, and a long hold is latency for all of them.
  const claims = new GroupCommit<PendingClaim>({
    maxBatch: 2,
    delayMs: 0,
    write: (batch) => lock.run(() => claimBatch.immediate(batch)),
  });
  const records = new GroupCommit<{ results: readonly DeliveryResult[]; now: number }>({
    maxBatch: 2,
    delayMs: 0,
    write: (batch) => lock.run(() => recordBatch.immediate(batch)),
  });

  const cancel = sqlite.transaction((seq: number, now: number): number => {
    q.cancelPush.run(seq);
    const deltas = new Deltas();
    const ended = new Map<string, number>();
    let n = 0;
    for (const state of ['queued', 'retrying']) {
      for (const { provider, app } of q.cancelDeliveries.all(now, seq, state)) {
        deltas.move(seq, provider, state, 'cancelled');
        ended.set(`${app}\0${provider}`, (ended.get(`${app}\0${provider}`) ?? 0) + 1);
        n++;
      }
    }
    // In-flight ones end when their attempt is recorded, and are counted in the stats then.
    for (const { provider } of q.cancelSending.all(now, seq)) {
      deltas.move(seq, provider, 'sending', 'cancelled');
      n++;
    }
    deltas.apply();
    const minute = Math.floor(now / MINUTE);
    for (const [key, count] of ended) {
      const [app, provider] = key.split('\0') as [string, string];
      q.addStat.run(minute, app, provider, 'cancelled', count);
    }
    return n;
  });

  const report = sqlite.transaction((seq: number, device: string, status: 'delivered' | 'interacted', now: number): boolean => {
    const row = q.reportedState.get(seq, device);
    if (!row) return false;
    // Reporting what is already recorded (a retried report) is not an error; going backwards is ignored.
    if (row.state === status || (row.state === 'interacted' && status === 'delivered')) return true;
    if (row.state !== 'sent' && !(row.state === 'delivered' && status === 'interacted')) return false;
    q.report.run(status, now, seq, device);
    const deltas = new Deltas();
    deltas.move(seq, row.provider, row.state, status);
    deltas.apply();
    return true;
  });

  const revive = sqlite.transaction((keys: readonly { pushSeq: number; target: string }[], now: number): number => {
    let n = 0;
    const deltas = new Deltas();
    for (const k of keys) {
      const row = q.deadOne.get(k.pushSeq, k.target);
      if (!row) continue;
      q.revive.run(now, k.pushSeq, k.target);
      deltas.move(k.pushSeq, row.provider, 'dead', 'queued');
      // It did not end dead after all: the stats count it where its replay ends instead.
      q.dropStat.run(Math.floor(row.updated_at / MINUTE), row.app, row.provider, 'dead');
      n++;
    }
    deltas.apply();
    return n;
  });

  const prunePush = sqlite.transaction((seq: number): boolean => {
    // Deletes one slice; the push row goes once its deliveries are gone.
    if (q.deleteDeliveries.run(seq, seq, PRUNE_BATCH).changes === PRUNE_BATCH) return false;
    q.deletePush.run(seq);
    q.deleteCounts.run(seq);
    return true;
  });

  let closed: Promise<void> | undefined;
  return {
    async create(push) {
      const row = lock.run(() => q.insertPush.get(push.id, push.createdAt, push.sendAt, push.expiresAt, JSON.stringify(push.content), JSON.stringify(push.audience), laneIndex(push.lane), push.actor, push.category ?? null));
      return pushFromRow(row!);
    },
    async byId(id, scope) {
      let row: PushRow | undefined;
      if (scope?.actor !== undefined) {
        row = q.pushByIdOf.get(id, scope.actor);
        if (row && scope.categories && !scope.categories.includes(row.category ?? '')) row = undefined;
      } else if (scope?.categories) {
        row = q.pushByIdIn.get(id, JSON.stringify(scope.categories));
      } else {
        row = q.pushById.get(id);
      }
      return row && pushFromRow(row);
    },
    async recent(id, actor, since) {
      const row = q.pushRecent.get(id, actor, since);
      return row && pushFromRow(row);
    },
    async bySeq(seq) {
      const row = q.pushBySeq.get(seq);
      return row && pushFromRow(row);
    },
    async addDeliveries(seq, from, to, rows, done, now) {
      try {
        return lock.run(() => addDeliveries.immediate(seq, from, to, rows, done, now));
      } catch (err) {
        if (err === CURSOR_MOVED) return false;
        throw err;
      }
    },
    async setEnqueuedCursor(seq, cursor) {
      lock.run(() => q.setEnqueued.run(cursor, seq));
    },
    async queued(seq, after, limit) {
      return q.queued.all(seq, after ?? '', limit).map(deliveryFromRow);
    },
    async claim(seq, targets, claimId, now, includeDead) {
      if (targets.length === 0) return [];
      const pending: PendingClaim = { seq, targets: JSON.stringify(targets), count: targets.length, claimId, now, dead: includeDead, rows: [] };
      await claims.add(pending);
      return pending.rows.map((r) => ({ target: r.target, deviceId: r.device_id, provider: r.provider, app: r.app, token: r.token, p256dh: r.p256dh, auth: r.auth, attempts: r.attempts }));
    },
    async record(results, now) {
      if (results.length > 0) await records.add({ results, now });
    },
    async cancel(seq, now) {
      return lock.run(() => cancel.immediate(seq, now));
    },
    async counts(seq) {
      const out: PushCounts = { total: {}, byProvider: {} };
      for (const { provider, state, n } of q.counts.all(seq)) {
        out.total[state] = (out.total[state] ?? 0) + n;
        const p = (out.byProvider[provider] ??= {});
        p[state] = (p[state] ?? 0) + n;
      }
      return out;
    },
    async deliveries(query) {
      const base = { seq: query.pushSeq, after: query.after ?? '', limit: query.limit };
      const rows = query.state === undefined ? q.list.all(base) : q.listState.all({ ...base, state: query.state });
      return rows.map(deliveryFromRow);
    },
    async reportStatus(seq, deviceId, status, now) {
      return lock.run(() => report.immediate(seq, deviceId, status, now));
    },
    async deadDeliveries(query) {
      const cursor = parseDeadCursor(query.cursor);
      const rows = q.dead.all({ provider: query.provider ?? null, app: query.app ?? null, ...cursor, limit: query.limit + 1 });
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      const deliveries: DeadDelivery[] = page.map((r) => ({ ...deliveryFromRow(r), pushId: r.push_id }));
      return rows.length > query.limit && last ? { deliveries, nextCursor: `${last.updated_at}.${last.push_seq}.${last.target}` } : { deliveries };
    },
    async findDead(target) {
      if ('keys' in target) {
        return target.keys.map((k) => q.deadOne.get(k.pushSeq, k.target)).filter((r) => r !== undefined).map(deliveryFromRow);
      }
      return q.deadOldest.all({ provider: target.provider ?? null, app: target.app ?? null, limit: target.limit }).map(deliveryFromRow);
    },
    async revive(keys, now) {
      return keys.length === 0 ? 0 : lock.run(() => revive.immediate(keys, now));
    },
    async stats(query) {
      const params = { from: Math.floor(query.since / MINUTE), to: Math.floor(query.until / MINUTE), app: query.app ?? null };
      const byProvider: PushCounts['byProvider'] = {};
      for (const { provider, state, n } of q.stats.all(params)) if (n > 0) (byProvider[provider] ??= {})[state] = n;
      const attempts: PushStats['attempts'] = {};
      for (const { provider, outcome, n } of q.attempts.all(params)) (attempts[provider] ??= {})[outcome] = n;
      const histogram = new Map(q.latency.all(params).map((r) => [r.bucket, r.n] as const));
      const p = percentiles(histogram, [0.5, 0.95, 0.99]);
      const count = [...histogram.values()].reduce((a, b) => a + b, 0);
      return { byProvider, attempts, latency: p ? { p50: p[0]!, p95: p[1]!, p99: p[2]!, count } : null };
    },
    async unrouted() {
      return q.unrouted.all().map(pushFromRow);
    },
    async eraseUser(user, deviceIds) {
      let erased = 0;
      for (const row of q.pushesNamingUser.all(user)) {
        const audience = JSON.parse(row.audience) as { users?: string[]; devices?: string[]; topics?: string[]; tokens?: unknown[] };
        const others = (audience.users ?? []).filter((u) => u !== user);
        const onlyThem = others.length === 0 && !audience.devices?.length && !audience.topics?.length && !audience.tokens?.length;
        if (onlyThem) {
          // Its content was written for them (a notify push carries their name): it goes whole.
          while (!lock.run(() => prunePush.immediate(row.seq))) { /* next slice */ }
          erased++;
        } else {
          lock.run(() => q.setPushAudience.run(JSON.stringify({ ...audience, users: others }), row.seq));
        }
      }
      // Deliveries of broadcasts to their devices stay for the counts, without the token.
      if (deviceIds.length > 0) lock.run(() => q.forgetDeviceTokens.run(JSON.stringify(deviceIds)));
      return erased;
    },

    async prune(before) {
      let pushes = 0;
      for (;;) {
        const seqs = q.oldPushes.all(before, before);
        if (seqs.length === 0) break;
        for (const seq of seqs) while (!lock.run(() => prunePush.immediate(seq))) { /* next slice */ }
        pushes += seqs.length;
      }
      const minute = Math.floor(before / MINUTE);
      lock.run(() => {
        q.pruneStats.run(minute);
        q.pruneLatency.run(minute);
        q.pruneAttempts.run(minute);
      });
      return pushes;
    },
    close() {
      closed ??= (async () => {
        claims.flush();
        records.flush();
        await kysely.destroy();
      })();
      return closed;
    },
  };
}

interface PendingClaim {
  seq: number;
  targets: string;
  count: number;
  claimId: string;
  now: number;
  dead: boolean;
  rows: ClaimRow[];
}

interface ClaimRow {
  state: DeliveryState;
  target: string;
  device_id: string | null;
  provider: Provider;
  app: string;
  token: string;
  p256dh: string | null;
  auth: string | null;
  attempts: number;
}

/** Results that mean the provider has the push: they stand even when the delivery was cancelled meanwhile. */
const PROVIDER_FINAL = new Set<string>(['sent', 'failed', 'invalid_token']);

/** Thrown inside the transaction to roll a page back when another router moved the cursor. */
const CURSOR_MOVED = new Error('routing cursor moved');

function laneIndex(lane: Lane): number {
  return LANES.indexOf(lane);
}

function pushFromRow(row: PushRow): PushRecord {
  return {
    seq: row.seq,
    id: row.id,
    createdAt: row.created_at,
    sendAt: row.send_at,
    expiresAt: row.expires_at,
    content: JSON.parse(row.content) as PushRecord['content'],
    audience: JSON.parse(row.audience) as PushRecord['audience'],
    lane: LANES[row.lane] ?? 'normal',
    phase: row.phase,
    routedCursor: row.routed_cursor,
    enqueuedCursor: row.enqueued_cursor,
    targets: row.targets,
    actor: row.actor,
    category: row.category,
  };
}

function deliveryFromRow(row: DeliveryRow): DeliveryRecord {
  return {
    pushSeq: row.push_seq,
    target: row.target,
    deviceId: row.device_id,
    provider: row.provider,
    app: row.app,
    token: row.token,
    p256dh: row.p256dh,
    auth: row.auth,
    state: row.state,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    providerId: row.provider_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    sentAt: row.sent_at,
    nextAt: row.next_at,
  };
}

/** Dead-letter cursors are `<updated_at>.<push_seq>.<target>`; anything else starts at the newest. */
function parseDeadCursor(cursor: string | undefined): { at: number; seq: number; target: string } {
  const m = cursor === undefined ? null : /^(\d{1,16})\.(\d{1,16})\.(.{1,80})$/.exec(cursor);
  return m ? { at: Number(m[1]), seq: Number(m[2]), target: m[3]! } : { at: Number.MAX_SAFE_INTEGER, seq: Number.MAX_SAFE_INTEGER, target: '' };
}
