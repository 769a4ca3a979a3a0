import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/** Versioned migrations of Herald's own database, applied in name order at open. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_api_keys': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull().check(sql`json_valid(scopes)`))
        .addColumn('categories', 'text', (c) => c.notNull().check(sql`json_valid(categories)`))
        .addColumn('created', 'integer', (c) => c.notNull())
        .addColumn('expires', 'integer', (c) => c.notNull())
        .addColumn('last_used', 'integer', (c) => c.notNull())
        .addColumn('revoked', 'integer', (c) => c.notNull())
        .execute();
    },
  },
  '0002_audit': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('audit')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('time', 'integer', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull().check(sql`json_valid(details)`))
        .execute();
      // One index per filter the admin API offers, each ending in time so the newest-first scan needs no sort.
      await db.schema.createIndex('idx_audit_time').on('audit').column('time').execute();
      await db.schema.createIndex('idx_audit_actor_time').on('audit').columns(['actor', 'time']).execute();
      await db.schema.createIndex('idx_audit_action_time').on('audit').columns(['action', 'time']).execute();

      // The store has no update method, but the file is reachable with any SQLite client; the trigger
      // makes editing an entry fail there too. DELETE stays allowed because retention prunes by time.
      await sql`CREATE TRIGGER audit_append_only BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END`.execute(db);
    },
  },
  '0003_devices': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull().check(sql`provider IN ('apns', 'fcm', 'hms', 'webpush')`))
        .addColumn('platform', 'text', (c) => c.notNull())
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('p256dh', 'text')
        .addColumn('auth', 'text')
        .addColumn('user', 'text')
        .addColumn('locale', 'text')
        .addColumn('timezone', 'text')
        .addColumn('meta', 'text', (c) => c.notNull().check(sql`json_valid(meta)`))
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state IN ('active', 'invalid')`))
        .addColumn('invalid_reason', 'text')
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'integer', (c) => c.notNull())
        .addColumn('last_seen_at', 'integer', (c) => c.notNull())
        .addUniqueConstraint('devices_app_provider_token', ['app', 'provider', 'token'])
        .execute();
      // Every index ends in the device id: a broadcast pages by id, and an index already in id order
      // lets each page start at the cursor and stop after `limit` rows instead of sorting the audience.
      await db.schema.createIndex('idx_devices_user_id').on('devices').columns(['user', 'id']).execute();
      await db.schema.createIndex('idx_devices_state_id').on('devices').columns(['state', 'id']).execute();

      // Small rows keyed by both columns: WITHOUT ROWID stores each pair once, in key order.
      await db.schema
        .createTable('device_topics')
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('device_topics_pk', ['device_id', 'topic'])
        .modifyEnd(sql`WITHOUT ROWID`)
        .execute();
      await db.schema.createIndex('idx_device_topics_topic').on('device_topics').columns(['topic', 'device_id']).execute();

      await db.schema
        .createTable('user_topics')
        .addColumn('user', 'text', (c) => c.notNull())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('user_topics_pk', ['user', 'topic'])
        .modifyEnd(sql`WITHOUT ROWID`)
        .execute();
      await db.schema.createIndex('idx_user_topics_topic').on('user_topics').columns(['topic', 'user']).execute();
    },
  },
  '0004_server_secrets': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Secrets the server generates for itself on first start (e.g. for subscriber tokens) and must keep across restarts.
      await db.schema
        .createTable('server_secrets')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .execute();
    },
  },
  '0005_devices_seen': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Browsers on /v1/webpush that stopped renewing are found by provider and last registration
      // (web-push-expiry-duration) without reading the whole registry every manager pass.
      await db.schema.createIndex('idx_devices_provider_seen').on('devices').columns(['provider', 'last_seen_at']).execute();
    },
  },
  '0006_event_endpoints': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('event_endpoints')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull().check(sql`json_valid(events)`))
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('previous_secret', 'text')
        .addColumn('previous_secret_expires', 'integer', (c) => c.notNull())
        .addColumn('disabled_at', 'integer', (c) => c.notNull())
        .addColumn('disabled_reason', 'text', (c) => c.notNull())
        .addColumn('consecutive_failures', 'integer', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('event_attempts')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('endpoint_id', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('time', 'integer', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('error', 'text', (c) => c.notNull())
        .execute();
      // The attempts API reads one endpoint's newest first; the retention prune walks by time.
      await db.schema.createIndex('idx_event_attempts_endpoint_time').on('event_attempts').columns(['endpoint_id', 'time', 'id']).execute();
      await db.schema.createIndex('idx_event_attempts_time').on('event_attempts').column('time').execute();
    },
  },
  '0007_devices_by_id': {
    async up(db: Kysely<unknown>): Promise<void> {
      // The registry keyed by device id itself (WITHOUT ROWID) instead of a rowid table with an index
      // on id: a broadcast pages a topic's devices in id order, and each device was a search of that
      // index and then of the table at a random rowid, a page miss of its own on a large registry
      // (6 µs per device for 1,000,000; 2 µs keyed by id, where a page of ids is a run of rows).
      await db.schema
        .createTable('devices_by_id')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull().check(sql`provider IN ('apns', 'fcm', 'hms', 'webpush')`))
        .addColumn('platform', 'text', (c) => c.notNull())
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('p256dh', 'text')
        .addColumn('auth', 'text')
        .addColumn('user', 'text')
        .addColumn('locale', 'text')
        .addColumn('timezone', 'text')
        .addColumn('meta', 'text', (c) => c.notNull().check(sql`json_valid(meta)`))
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state IN ('active', 'invalid')`))
        .addColumn('invalid_reason', 'text')
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'integer', (c) => c.notNull())
        .addColumn('last_seen_at', 'integer', (c) => c.notNull())
        .addUniqueConstraint('devices_app_provider_token', ['app', 'provider', 'token'])
        .modifyEnd(sql`WITHOUT ROWID`)
        .execute();
      await sql`INSERT INTO devices_by_id (id, app, provider, platform, token, p256dh, auth, user, locale, timezone, meta, state, invalid_reason, created_at, updated_at, last_seen_at)
        SELECT id, app, provider, platform, token, p256dh, auth, user, locale, timezone, meta, state, invalid_reason, created_at, updated_at, last_seen_at
        FROM devices ORDER BY id`.execute(db);
      await db.schema.dropTable('devices').execute();
      await sql`ALTER TABLE devices_by_id RENAME TO devices`.execute(db);
      await db.schema.createIndex('idx_devices_user_id').on('devices').columns(['user', 'id']).execute();
      await db.schema.createIndex('idx_devices_state_id').on('devices').columns(['state', 'id']).execute();
      await db.schema.createIndex('idx_devices_provider_seen').on('devices').columns(['provider', 'last_seen_at']).execute();
    },
  },
};

export const heraldDbMigrations: MigrationProvider = {
  async getMigrations() {
    return MIGRATIONS;
  },
};

/** Own bookkeeping tables, distinct from the cache's and the account database's. */
export const HERALD_DB_MIGRATION_TABLE = 'herald_db_migration';
export const HERALD_DB_MIGRATION_LOCK_TABLE = 'herald_db_migration_lock';
