import { sql, type Kysely, type Migration } from 'kysely';
import { storeMigrations } from '../migrate.js';

/**
 * Versioned migrations of the push registry on PostgreSQL: the tables and columns of SQLite's
 * (`devices`, `device_topics`, `user_topics`), with native types. Times are the caller's unix ms
 * as bigint. Ids, tokens, users and topics compare byte-wise (COLLATE "C"): the order listings and
 * audience cursors page in, the order SQLite uses, and no locale work per comparison.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001_devices': {
    async up(db: Kysely<unknown>): Promise<void> {
      // meta is json, not jsonb: validated on the way in like SQLite's json_valid check, and kept
      // as written. A re-registration rewrites updated_at and last_seen_at of a row that keeps its
      // size; the free room a fillfactor of 90 leaves lets those updates stay on the page (HOT), as
      // long as no indexed column changes, which is why no index below holds either time.
      await sql`CREATE TABLE devices (
        id text COLLATE "C" PRIMARY KEY,
        app text COLLATE "C" NOT NULL,
        provider text COLLATE "C" NOT NULL CHECK (provider IN ('apns', 'fcm', 'hms', 'webpush')),
        platform text NOT NULL,
        token text COLLATE "C" NOT NULL,
        p256dh text,
        auth text,
        "user" text COLLATE "C",
        locale text,
        timezone text,
        meta json NOT NULL,
        state text NOT NULL CHECK (state IN ('active', 'invalid')),
        invalid_reason text,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        last_seen_at bigint NOT NULL,
        CONSTRAINT devices_app_provider_token UNIQUE (app, provider, token)
      ) WITH (fillfactor = 90)`.execute(db);
      // A user's devices in id order: listed users and a topic's users page through (user, id).
      // Devices without a user (often most of them) are left out of it.
      await sql`CREATE INDEX devices_user_id ON devices ("user", id) WHERE "user" IS NOT NULL`.execute(db);
      // Dead tokens are few (pruned) and looked for by prune and the listing's state filter.
      await sql`CREATE INDEX devices_invalid ON devices (id) WHERE state = 'invalid'`.execute(db);

      // A topic's own devices in id order, from (topic, device_id): a broadcast page reads `limit`
      // entries of it from the cursor on, then each device by its key.
      await sql`CREATE TABLE device_topics (
        device_id text COLLATE "C" NOT NULL,
        topic text COLLATE "C" NOT NULL,
        PRIMARY KEY (device_id, topic)
      )`.execute(db);
      await sql`CREATE INDEX device_topics_topic ON device_topics (topic, device_id)`.execute(db);

      await sql`CREATE TABLE user_topics (
        "user" text COLLATE "C" NOT NULL,
        topic text COLLATE "C" NOT NULL,
        PRIMARY KEY ("user", topic)
      )`.execute(db);
      await sql`CREATE INDEX user_topics_topic ON user_topics (topic, "user")`.execute(db);
    },
  },
  '0002_devices_seen': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Browsers on /v1/webpush that stopped renewing are found by provider and last registration
      // (web-push-expiry-duration) without reading the whole registry every manager pass.
      await sql`CREATE INDEX devices_provider_seen ON devices (provider, last_seen_at)`.execute(db);
    },
  },
};

/** The registry's migrations with their own bookkeeping tables, beside the other stores' in one schema. */
export const DEVICE_MIGRATIONS = storeMigrations('herald_device', MIGRATIONS);
