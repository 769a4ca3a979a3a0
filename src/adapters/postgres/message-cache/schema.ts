import type { Message } from '../../../ports/message.js';
import { messageToRow, rowToMessage, type NewMessageRow } from '../../sql/message-cache/message-row.js';
import type { MessageRow } from '../../sql/message-cache/schema.js';

/**
 * PostgreSQL's `text` cannot hold U+0000, which SQLite stores and a published message may carry
 * (a body is any valid UTF-8). A row whose free text has one is stored with `nul_escaped` set and
 * these columns escaped reversibly (`\` → `\\`, U+0000 → `\0`); every other row is stored as
 * given. No query compares these columns, so escaping changes no answer. `tags` and `actions` are
 * JSON, where JSON.stringify already writes U+0000 as `\u0000`.
 */
const FREE_TEXT = [
  'message', 'title', 'click', 'icon', 'attachment_name', 'attachment_type', 'attachment_url', 'content_type', 'encoding', 'user',
] as const satisfies readonly (keyof NewMessageRow)[];
/** Compared by queries, and never free text (generated ids, checked topic names, addresses). */
const IDENTIFIERS = ['mid', 'topic', 'sender', 'event', 'sequence_id'] as const satisfies readonly (keyof NewMessageRow)[];
const INTEGERS = ['time', 'expires', 'attachment_size', 'attachment_expires'] as const satisfies readonly (keyof NewMessageRow)[];

export type StoredMessageRow = NewMessageRow & { nul_escaped: boolean };

/**
 * The row a message is stored as. Throws a RangeError for a message PostgreSQL would refuse (a
 * non-integer time or size, U+0000 in an identifier), before it joins a batch: one bad message
 * must not fail the messages committed with it.
 */
export function storedRow(message: Message, published: boolean): StoredMessageRow {
  const row: StoredMessageRow = { ...messageToRow(message, published), nul_escaped: false };
  for (const column of INTEGERS) {
    if (!Number.isSafeInteger(row[column])) throw new RangeError(`message ${message.id}: ${column} must be an integer`);
  }
  if (!Number.isInteger(row.priority) || row.priority < 0 || row.priority > 32_767) throw new RangeError(`message ${message.id}: bad priority`);
  for (const column of IDENTIFIERS) {
    if (row[column].includes('\u0000')) throw new RangeError(`message ${message.id}: ${column} cannot contain U+0000`);
  }
  return escapeFreeText(row);
}

/**
 * Sets `nul_escaped` and escapes the free-text columns of a row that has U+0000 in one of them;
 * leaves any other row as it is. Also used by `herald migrate`, which copies SQLite's rows as
 * they are stored (flags included) rather than through a Message.
 */
export function escapeFreeText<T extends Record<(typeof FREE_TEXT)[number], string> & { nul_escaped: boolean }>(row: T): T {
  if (FREE_TEXT.some((column) => row[column].includes('\u0000'))) {
    row.nul_escaped = true;
    for (const column of FREE_TEXT) row[column] = row[column].replace(/[\\\u0000]/g, (c) => (c === '\\' ? '\\\\' : '\\0'));
  }
  return row;
}

/** The message a stored row holds (bigint columns arrive as strings; rowToMessage converts them). */
export function storedRowToMessage(row: MessageRow): Message {
  if (!(row as MessageRow & { nul_escaped?: boolean }).nul_escaped) return rowToMessage(row);
  const unescaped = { ...row };
  for (const column of FREE_TEXT) unescaped[column] = row[column].replace(/\\([\\0])/g, (_, c: string) => (c === '0' ? '\u0000' : '\\'));
  return rowToMessage(unescaped);
}
