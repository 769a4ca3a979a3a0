import type Database from 'better-sqlite3';

/** What every notify operation gets: the connection and the two ways of writing on it. */
export interface NotifyContext {
  sqlite: Database.Database;
  /** Prepares a statement typed by its parameters and row (rows default to plain records). */
  prepare<P extends unknown[] | Record<string, unknown> = unknown[], R = Record<string, unknown>>(text: string): Database.Statement<P, R>;
  /** A ledger write, under the shared write lock; not synced (the queue's next synced commit makes it durable). */
  write<T>(fn: () => T): T;
  /** What an operator or a subscriber set: under the lock and synced, because nothing else follows it. */
  durable<T>(fn: () => T): T;
}
