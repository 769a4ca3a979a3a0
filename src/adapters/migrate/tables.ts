/**
 * What `herald migrate --to postgres://…` copies, table by table: for every table of the SQLite
 * files, the file it lives in, the order it is read in, and each PostgreSQL column with the SQLite
 * value it is made from. Tables and columns have the same names in both dialects (docs/storage.md);
 * what differs is spelled out here and nowhere else:
 *
 * - rowid: SQLite's tokens and API keys keep their insertion order in the rowid, PostgreSQL in an
 *   identity column `seq`, which is filled from it.
 * - identity columns and sequences (messages.seq, audit.id, notifications.seq, inbox.seq, the ids of
 *   queue jobs, tokens' and keys' seq) are copied as they are, then moved past the highest copied
 *   value and past SQLite's AUTOINCREMENT high-water mark, so new rows never reuse an id.
 * - messages with U+0000 in their text are stored escaped on PostgreSQL (`nul_escaped`).
 * - booleans are 0/1 integers on SQLite and `boolean` on PostgreSQL (categories.critical); the other
 *   0/1 flags are smallint on both.
 * - JSON documents are `text` on SQLite; on PostgreSQL some are `json` (API key scopes, audit
 *   details, device meta) and digest events are a `text[]` of one JSON text per event instead of one JSON array.
 * - integer columns are bigint on PostgreSQL, read from SQLite as exact 64-bit integers.
 *
 * Tables are listed parents first, so foreign keys hold after every batch.
 */

/** The SQLite files of an installation, by the config key that names each. */
export type SourceName = 'cache' | 'auth' | 'database' | 'queue';

export const SOURCE_KEYS: Readonly<Record<SourceName, string>> = {
  cache: 'cache-file',
  auth: 'auth-file',
  database: 'database-file',
  queue: 'queue-file',
};

/**
 * How a SQLite value becomes a PostgreSQL one:
 * - `text`, `bigint`, `integer`, `smallint`: the same value (integers checked against the type's range);
 * - `boolean`: 0/1 to false/true;
 * - `json`: text, cast to PostgreSQL's json;
 * - `json-elements`: a JSON array in SQLite, a `text[]` of its elements' JSON texts in PostgreSQL.
 */
export type ColumnKind = 'text' | 'bigint' | 'integer' | 'smallint' | 'boolean' | 'json' | 'json-elements';

export interface ColumnMap {
  /** The PostgreSQL column. */
  name: string;
  kind: ColumnKind;
  /** The SQLite column it is read from, when its name differs (`rowid`). */
  from?: string;
  /** Not read from SQLite: the row transform sets it. */
  derived?: true;
}

/** A sequence that must end above every id copied into the table. */
export interface IdentityMap {
  column: string;
  /** Other tables holding ids drawn from the same sequence (a dead job keeps its id for a replay). */
  alsoAbove?: readonly { table: string; column: string }[];
  /** SQLite keeps an AUTOINCREMENT high-water mark in sqlite_sequence under this table's name. */
  autoincrement?: true;
}

export interface TableMap {
  table: string;
  source: SourceName;
  /**
   * The order rows are read and copied in, and the key progress is remembered by: `rowid` for
   * tables that have one, the primary key's columns for WITHOUT ROWID tables.
   */
  order: 'rowid' | readonly string[];
  columns: readonly ColumnMap[];
  identity?: IdentityMap;
  /**
   * The PostgreSQL identity is GENERATED ALWAYS: the insert must say OVERRIDING SYSTEM VALUE to
   * keep SQLite's values.
   */
  generatedAlways?: true;
  /**
   * Rows the target's own migrations create (the message counter): the copy overwrites them
   * instead of counting them as conflicting data. Names the conflict target.
   */
  replaces?: readonly string[];
  /** Adjusts a converted row before it is sent (escaping); may set derived columns. */
  transform?: 'message-nul-escape';
}

const text = (...names: string[]): ColumnMap[] => names.map((name) => ({ name, kind: 'text' }));
const bigint = (...names: string[]): ColumnMap[] => names.map((name) => ({ name, kind: 'bigint' }));
const integer = (...names: string[]): ColumnMap[] => names.map((name) => ({ name, kind: 'integer' }));
const smallint = (...names: string[]): ColumnMap[] => names.map((name) => ({ name, kind: 'smallint' }));

export const TABLES: readonly TableMap[] = [
  // cache-file: the topics' messages (attachment metadata included; the files stay where they are).
  {
    table: 'messages', source: 'cache', order: 'rowid', generatedAlways: true, transform: 'message-nul-escape',
    identity: { column: 'seq', autoincrement: true },
    columns: [
      ...bigint('seq'), ...text('mid'), ...bigint('time', 'expires'), ...text('topic', 'message', 'title'), ...smallint('priority'),
      ...text('tags', 'click', 'icon', 'actions', 'attachment_name', 'attachment_type'), ...bigint('attachment_size', 'attachment_expires'),
      ...text('attachment_url'), ...smallint('attachment_deleted'), ...text('content_type', 'encoding', 'sender', 'user'),
      ...smallint('published'), { name: 'nul_escaped', kind: 'boolean', derived: true }, ...text('event', 'sequence_id'),
    ],
  },
  { table: 'stats', source: 'cache', order: 'rowid', replaces: ['key'], columns: [...text('key'), ...bigint('value')] },

  // auth-file: tiers, accounts, their tokens, the ACL and verified phone numbers. Tiers come first: users name them.
  {
    table: 'tiers', source: 'auth', order: 'rowid',
    columns: [
      ...text('id', 'code', 'name'),
      ...bigint('messages_limit', 'messages_expiry_duration', 'emails_limit', 'calls_limit', 'reservations_limit',
        'attachment_file_size_limit', 'attachment_total_size_limit', 'attachment_expiry_duration', 'attachment_bandwidth_limit'),
    ],
  },
  {
    table: 'users', source: 'auth', order: 'rowid',
    columns: [...text('id', 'name', 'password_hash', 'role'), ...bigint('created'), ...text('sync_topic', 'prefs'), ...smallint('provisioned'), ...text('tier_id')],
  },
  {
    table: 'tokens', source: 'auth', order: 'rowid', identity: { column: 'seq' },
    columns: [
      ...text('token', 'user_id', 'label'), ...bigint('last_access'), ...text('last_origin'), ...bigint('expires', 'created'),
      ...smallint('provisioned'), { name: 'seq', kind: 'bigint', from: 'rowid' },
    ],
  },
  { table: 'access', source: 'auth', order: 'rowid', columns: [...text('user_id', 'pattern'), ...smallint('read', 'write', 'provisioned'), ...text('owner_id')] },
  // Verified phone numbers; seq (SQLite's AUTOINCREMENT rowid) keeps the order `X-Call: yes` relies on.
  { table: 'phone_numbers', source: 'auth', order: 'rowid', identity: { column: 'seq', autoincrement: true }, columns: [...bigint('seq'), ...text('user_id', 'number')] },

  // database-file: API keys, the audit log, the server's own secrets.
  {
    table: 'api_keys', source: 'database', order: 'rowid', identity: { column: 'seq' },
    columns: [
      ...text('id', 'name', 'secret_hash', 'prefix'), { name: 'scopes', kind: 'json' }, { name: 'categories', kind: 'json' },
      ...bigint('created', 'expires', 'last_used', 'revoked'), { name: 'seq', kind: 'bigint', from: 'rowid' },
    ],
  },
  {
    table: 'audit', source: 'database', order: 'rowid', identity: { column: 'id', autoincrement: true },
    columns: [...bigint('id', 'time'), ...text('actor', 'action', 'target', 'address'), { name: 'details', kind: 'json' }],
  },
  { table: 'server_secrets', source: 'database', order: 'rowid', columns: [...text('name', 'value'), ...bigint('created_at')] },
  // database-file: event webhook endpoints and their recent attempts.
  {
    table: 'event_endpoints', source: 'database', order: 'rowid',
    columns: [
      ...text('id', 'url'), { name: 'events', kind: 'json' }, ...text('description', 'secret', 'previous_secret'),
      ...bigint('previous_secret_expires', 'disabled_at'), ...text('disabled_reason'), ...integer('consecutive_failures'), ...text('actor'),
      ...bigint('created_at', 'updated_at'),
    ],
  },
  {
    table: 'event_attempts', source: 'database', order: 'rowid', identity: { column: 'id', autoincrement: true },
    columns: [...bigint('id'), ...text('endpoint_id', 'message_id', 'type'), ...bigint('time'), ...integer('attempt'), ...text('result'), ...integer('status'), ...text('error')],
  },
  // database-file: the push registry.
  {
    table: 'devices', source: 'database', order: ['id'],
    columns: [
      ...text('id', 'app', 'provider', 'platform', 'token', 'p256dh', 'auth', 'user', 'locale', 'timezone'), { name: 'meta', kind: 'json' },
      ...text('state', 'invalid_reason'), ...bigint('created_at', 'updated_at', 'last_seen_at'),
    ],
  },
  { table: 'device_topics', source: 'database', order: ['device_id', 'topic'], columns: text('device_id', 'topic') },
  { table: 'user_topics', source: 'database', order: ['user', 'topic'], columns: text('user', 'topic') },

  // queue-file: pending work of the push and notify queues (one table, partitioned) and dead letters.
  {
    table: 'queue_jobs', source: 'queue', order: 'rowid',
    identity: { column: 'id', autoincrement: true, alsoAbove: [{ table: 'queue_dead', column: 'id' }] },
    columns: [
      ...bigint('id'), ...text('partition'), ...smallint('lane'), ...text('payload'), ...bigint('run_at', 'visible_at'),
      ...integer('attempts', 'max_attempts'), ...text('dedup_key', 'token', 'last_error'), ...bigint('created_at'),
    ],
  },
  {
    table: 'queue_dead', source: 'queue', order: 'rowid',
    columns: [
      ...bigint('id'), ...text('partition'), ...smallint('lane'), ...text('payload'), ...bigint('run_at'), ...integer('attempts', 'max_attempts'),
      ...text('dedup_key', 'reason'), ...bigint('created_at', 'dead_at'),
    ],
  },

  // queue-file: the push ledger. PostgreSQL's push_dead (the dead-letter listing) is not copied:
  // triggers on deliveries fill it as the rows arrive (TARGET_ONLY below).
  {
    table: 'pushes', source: 'queue', order: 'rowid', identity: { column: 'seq', autoincrement: true },
    columns: [
      ...bigint('seq'), ...text('id'), ...bigint('created_at', 'send_at', 'expires_at'), ...text('content', 'audience'), ...smallint('lane'),
      ...text('phase', 'routed_cursor', 'enqueued_cursor'), ...integer('targets'), ...text('actor', 'category', 'analytics_id'),
    ],
  },
  {
    table: 'deliveries', source: 'queue', order: ['push_seq', 'target'],
    columns: [
      ...bigint('push_seq'), ...text('target', 'device_id', 'provider', 'app', 'token', 'p256dh', 'auth', 'target_kind', 'state'), ...integer('attempts'),
      ...text('claim'), ...bigint('next_at'), ...integer('last_status'), ...text('last_error', 'provider_id'), ...bigint('created_at', 'updated_at', 'sent_at'),
    ],
  },
  { table: 'push_counts', source: 'queue', order: ['push_seq', 'provider', 'state'], columns: [...bigint('push_seq'), ...text('provider', 'state'), ...integer('n')] },
  { table: 'push_stats', source: 'queue', order: ['minute', 'app', 'provider', 'state'], columns: [...bigint('minute'), ...text('app', 'provider', 'state'), ...integer('count')] },
  { table: 'push_attempts', source: 'queue', order: ['minute', 'app', 'provider', 'outcome'], columns: [...bigint('minute'), ...text('app', 'provider', 'outcome'), ...integer('count')] },
  { table: 'push_latency', source: 'queue', order: ['minute', 'app', 'provider', 'bucket'], columns: [...bigint('minute'), ...text('app', 'provider'), ...integer('bucket', 'count')] },

  // queue-file: the notify store (directory, notifications and their ledger, inbox, digests).
  {
    table: 'subscribers', source: 'queue', order: 'rowid',
    columns: [...text('id', 'email', 'phone', 'name', 'locale', 'timezone', 'webhook_url', 'data', 'preferences'), ...bigint('created_at', 'updated_at')],
  },
  {
    table: 'categories', source: 'queue', order: 'rowid',
    columns: [...text('name', 'description', 'channels'), { name: 'critical', kind: 'boolean' }, ...bigint('digest_window_ms', 'created_at', 'updated_at')],
  },
  { table: 'templates', source: 'queue', order: 'rowid', columns: [...text('name', 'definition'), ...bigint('created_at', 'updated_at')] },
  {
    table: 'notifications', source: 'queue', order: 'rowid', identity: { column: 'seq', autoincrement: true },
    columns: [
      ...bigint('seq'), ...text('id', 'template', 'category', 'priority', 'strategy', 'channels', 'data', 'audience', 'send_at'), ...bigint('expires_at'),
      ...text('idempotency_key', 'actor'), ...bigint('created_at'), ...text('phase', 'route_cursor'), ...integer('recipients'),
    ],
  },
  {
    table: 'notify_recipients', source: 'queue', order: ['notification_seq', 'subscriber_id'],
    columns: [...bigint('notification_seq'), ...text('subscriber_id', 'state', 'reason', 'plan'), ...bigint('created_at', 'updated_at')],
  },
  {
    table: 'notify_channels', source: 'queue', order: ['notification_seq', 'subscriber_id', 'channel'],
    columns: [
      ...bigint('notification_seq'), ...text('subscriber_id', 'channel', 'state', 'reason', 'address', 'provider_id'), ...integer('attempts'),
      ...bigint('created_at', 'updated_at', 'sent_at'),
    ],
  },
  // No key at all on either side: only SQLite's rowid orders it, so only the remembered progress
  // (not a conflict on a key) keeps a re-run from copying a row twice.
  { table: 'notify_sends', source: 'queue', order: 'rowid', columns: [...text('subscriber_id'), ...bigint('at'), ...text('category')] },
  {
    table: 'inbox', source: 'queue', order: 'rowid', identity: { column: 'seq', autoincrement: true },
    columns: [
      ...bigint('seq'), ...text('id', 'subscriber_id', 'notification_id', 'category', 'title', 'body', 'url', 'data'),
      ...bigint('created_at', 'seen_at', 'read_at', 'archived_at'),
    ],
  },
  {
    table: 'digests', source: 'queue', order: ['subscriber_id', 'category'],
    columns: [...text('subscriber_id', 'category'), ...bigint('carrier_seq', 'flush_at'), { name: 'events', kind: 'json-elements' }],
  },
  { table: 'suppressed_addresses', source: 'queue', order: ['address'], columns: [...text('address', 'kind', 'reason'), ...bigint('at')] },
];

/**
 * PostgreSQL tables with no SQLite counterpart, kept by the target's own triggers as the copied
 * rows arrive: the account tables' change counter, and the push ledger's dead-letter listing.
 */
export const TARGET_ONLY: readonly string[] = ['auth_changes', 'push_dead'];

/** The SQLite column a mapped column is read from (undefined for derived ones). */
export function sourceColumn(column: ColumnMap): string | undefined {
  return column.derived ? undefined : (column.from ?? column.name);
}
