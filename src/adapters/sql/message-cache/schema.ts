import type { ColumnType, Selectable } from 'kysely';

/**
 * An integer column: `integer` on SQLite, `bigint` on PostgreSQL, where node-postgres hands it
 * back as a string (a bigint may exceed 2^53). Written as a number; read through Number().
 */
export type IntegerColumn = ColumnType<number | string, number, number>;

/**
 * Kysely's view of the message cache tables, the same names and columns in both dialects (each
 * dialect's migrations.ts creates them; PostgreSQL adds `nul_escaped`, see its schema.ts).
 * Strings are never NULL: an empty string, like a zero, stands for "unset".
 */
export interface MessagesTable {
  /** The order messages were added in: `since=<id>` reads after it, `latest` takes the highest. */
  seq: ColumnType<number | string, never, never>;
  mid: string;
  time: IntegerColumn;
  expires: IntegerColumn;
  topic: string;
  message: string;
  title: string;
  priority: number;
  /** JSON array, or '' */
  tags: string;
  click: string;
  icon: string;
  /** JSON array, or '' */
  actions: string;
  attachment_name: string;
  attachment_type: string;
  attachment_size: IntegerColumn;
  attachment_expires: IntegerColumn;
  attachment_url: string;
  /** 1 once expiredAttachmentIds handed the file out for deletion. */
  attachment_deleted: number;
  content_type: string;
  encoding: string;
  sender: string;
  user: string;
  /** 0 while a scheduled message waits, 1 once it is (or was at once) published. */
  published: number;
  /** `message`, or a `message_clear`/`message_delete` event (migration 0002; older rows are messages). */
  event: string;
  /** The sequence ID the publisher gave, or '' (the message's own id is then its sequence ID). */
  sequence_id: string;
}

export interface StatsTable {
  key: string;
  value: IntegerColumn;
}

export type CacheDatabase = {
  messages: MessagesTable;
  stats: StatsTable;
};

export type MessageRow = Selectable<MessagesTable>;
