import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/** Versioned migrations of the account database, applied in name order at open. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_accounts': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role IN ('admin', 'user')`))
        .addColumn('created', 'integer', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('tokens')
        .addColumn('token', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('last_access', 'integer', (c) => c.notNull())
        .addColumn('last_origin', 'text', (c) => c.notNull())
        .addColumn('expires', 'integer', (c) => c.notNull())
        .addColumn('created', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('idx_tokens_user_created').on('tokens').columns(['user_id', 'created']).execute();
      await db.schema.createIndex('idx_tokens_expires').on('tokens').column('expires').execute();

      // A nullable user_id keeps the foreign key (and its cascade) for real users while NULL stands for
      // everyone; a plain UNIQUE would let many NULL rows in, hence the expression index.
      await db.schema
        .createTable('access')
        .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
        .addColumn('pattern', 'text', (c) => c.notNull())
        .addColumn('read', 'integer', (c) => c.notNull())
        .addColumn('write', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('idx_access_user_pattern')
        .on('access')
        .unique()
        .expression(sql`ifnull(user_id, ''), pattern`)
        .execute();
    },
  },
  '0002_phone_numbers': {
    async up(db: Kysely<unknown>): Promise<void> {
      // seq (the rowid) keeps the order numbers were added in: `X-Call: yes` rings the first.
      await db.schema
        .createTable('phone_numbers')
        .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('number', 'text', (c) => c.notNull())
        .addUniqueConstraint('phone_numbers_user_number', ['user_id', 'number'])
        .execute();
    },
  },
  '0003_tiers_reservations': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('tiers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('code', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('messages_limit', 'integer', (c) => c.notNull())
        .addColumn('messages_expiry_duration', 'integer', (c) => c.notNull())
        .addColumn('emails_limit', 'integer', (c) => c.notNull())
        .addColumn('calls_limit', 'integer', (c) => c.notNull())
        .addColumn('reservations_limit', 'integer', (c) => c.notNull())
        .addColumn('attachment_file_size_limit', 'integer', (c) => c.notNull())
        .addColumn('attachment_total_size_limit', 'integer', (c) => c.notNull())
        .addColumn('attachment_expiry_duration', 'integer', (c) => c.notNull())
        .addColumn('attachment_bandwidth_limit', 'integer', (c) => c.notNull())
        .execute();
      // No ON DELETE action: a tier cannot go while users have it (ntfy's rule).
      await db.schema.alterTable('users').addColumn('tier_id', 'text', (c) => c.references('tiers.id')).execute();
      await db.schema.createIndex('idx_users_tier').on('users').column('tier_id').execute();
      // The user whose reservation an entry belongs to; the entries go with that user.
      await db.schema.alterTable('access').addColumn('owner_id', 'text', (c) => c.references('users.id').onDelete('cascade')).execute();
      await db.schema.createIndex('idx_access_owner').on('access').column('owner_id').execute();
    },
  },
  '0004_sync_topics_prefs_provisioning': {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`ALTER TABLE users ADD COLUMN sync_topic text NOT NULL DEFAULT ''`.execute(db);
      await sql`ALTER TABLE users ADD COLUMN prefs text NOT NULL DEFAULT '{}'`.execute(db);
      await sql`ALTER TABLE users ADD COLUMN provisioned integer NOT NULL DEFAULT 0`.execute(db);
      // Users from before sync topics get one now: st_ and 13 random characters, as new users do
      // (upper-case hex here, a subset of the alphabet new ones are drawn from).
      await sql`UPDATE users SET sync_topic = 'st_' || substr(hex(randomblob(7)), 1, 13) WHERE sync_topic = ''`.execute(db);
      // '' (a user added without one, in tests) may repeat; real topics may not.
      await sql`CREATE UNIQUE INDEX idx_users_sync_topic ON users (sync_topic) WHERE sync_topic <> ''`.execute(db);
      await sql`ALTER TABLE tokens ADD COLUMN provisioned integer NOT NULL DEFAULT 0`.execute(db);
      await sql`ALTER TABLE access ADD COLUMN provisioned integer NOT NULL DEFAULT 0`.execute(db);
    },
  },
};

export const authMigrations: MigrationProvider = {
  async getMigrations() {
    return MIGRATIONS;
  },
};

/** Separate bookkeeping tables, so the account database could share a file with the cache without clashing. */
export const AUTH_MIGRATION_TABLE = 'herald_auth_migration';
export const AUTH_MIGRATION_LOCK_TABLE = 'herald_auth_migration_lock';
