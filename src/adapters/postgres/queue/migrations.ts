import { sql, type Kysely, type Migration } from 'kysely';
import { storeMigrations } from '../migrate.js';

/**
 * Versioned migrations of the queue tables on PostgreSQL, applied in name order at open. Times are
 * unix milliseconds from Herald's clock (bigint), never the server's `now()`: see index.ts.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001_queue': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Ids come from a sequence that never reissues a number, so a dead job keeps its id in
      // queue_dead and a replay brings it back under the same id without a clash.
      await sql`CREATE SEQUENCE queue_job_ids AS bigint`.execute(db);
      // partition and dedup_key compare byte-wise (COLLATE "C"): the same order as SQLite, no
      // locale cost, and a btree on dedup_key then serves `LIKE 'prefix%'` for cancel.
      // payload is text, not jsonb: the queue never looks inside it, and text gives back exactly
      // what JSON.stringify produced.
      await sql`CREATE TABLE queue_jobs (
        id bigint PRIMARY KEY DEFAULT nextval('queue_job_ids'),
        partition text COLLATE "C" NOT NULL CHECK (partition <> ''),
        lane smallint NOT NULL CHECK (lane IN (0, 1, 2)),
        payload text NOT NULL,
        run_at bigint NOT NULL,
        visible_at bigint NOT NULL,
        attempts integer NOT NULL,
        max_attempts integer NOT NULL CHECK (max_attempts > 0),
        dedup_key text COLLATE "C",
        token text,
        last_error text,
        created_at bigint NOT NULL
      )`.execute(db);
      await sql`ALTER SEQUENCE queue_job_ids OWNED BY queue_jobs.id`.execute(db);
      // The hot path. reserve asks, per lane, for `partition = $1 AND lane = n AND visible_at <= now
      // ORDER BY visible_at, id LIMIT k FOR UPDATE SKIP LOCKED`: an index range scan that reads the
      // rows already in hand-out order and stops after k, whatever is scheduled for later or sits
      // in other lanes and partitions. visible_at is run_at while a job waits and the end of its
      // reservation while held, so one column answers "can it be handed out now" for both.
      // partitions() walks the same index to list partitions and their earliest visible_at.
      await sql`CREATE INDEX queue_jobs_visible ON queue_jobs (partition, lane, visible_at, id)`.execute(db);
      // A key is live while its job is in this table: ack deletes the row and dead-lettering moves
      // it out, which frees the key. Enqueue's ON CONFLICT DO NOTHING relies on this index.
      await sql`CREATE UNIQUE INDEX queue_jobs_dedup ON queue_jobs (dedup_key) WHERE dedup_key IS NOT NULL`.execute(db);
      // Every reserve updates an indexed column and every ack deletes, so the table churns through
      // dead tuples that reserve's index scan has to step over until vacuum removes them. Vacuum it
      // after 1% of its rows changed (plus 1,000) rather than the default 20%.
      await sql`ALTER TABLE queue_jobs SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000, autovacuum_analyze_scale_factor = 0.02)`.execute(db);

      await sql`CREATE TABLE queue_dead (
        id bigint PRIMARY KEY,
        partition text COLLATE "C" NOT NULL,
        lane smallint NOT NULL,
        payload text NOT NULL,
        run_at bigint NOT NULL,
        attempts integer NOT NULL,
        max_attempts integer NOT NULL,
        dedup_key text COLLATE "C",
        reason text NOT NULL,
        created_at bigint NOT NULL,
        dead_at bigint NOT NULL
      )`.execute(db);
      // deadLetters pages newest first, over all partitions or one; replay takes the oldest first.
      // Both directions read these indexes in order.
      await sql`CREATE INDEX queue_dead_time ON queue_dead (dead_at, id)`.execute(db);
      await sql`CREATE INDEX queue_dead_partition_time ON queue_dead (partition, dead_at, id)`.execute(db);
    },
  },
};

/** The queue's migrations with their own bookkeeping tables, so it may share a schema with other stores. */
export const QUEUE_MIGRATIONS = storeMigrations('herald_queue', MIGRATIONS);
