/** One entry of the append-only audit log. */
export interface AuditEntry {
  /** Unix milliseconds. */
  time: number;
  /** Who: `user:<name>`, `key:<id>`, `cli`, or `anonymous`. */
  actor: string;
  /** What, as `family.verb`: `user.create`, `access.grant`, `token.create`, `key.revoke`, … */
  action: string;
  /** What it was done to (a user name, key id, topic pattern); empty when nothing specific. */
  target: string;
  /** The caller's address; empty for the CLI. */
  address: string;
  /** Non-secret details (never passwords, tokens or keys). */
  details: Record<string, unknown>;
}

export interface AuditQuery {
  /** Only entries at or after this time (Unix ms). */
  since?: number;
  /** Only entries at or before this time (Unix ms). */
  until?: number;
  actor?: string;
  action?: string;
  /** Newest first; at most this many (capped by the store). */
  limit: number;
}

/**
 * The audit log. Entries are only ever appended and, past the retention period, pruned;
 * never edited.
 */
export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  query(query: AuditQuery): Promise<(AuditEntry & { id: number })[]>;
  /** Deletes entries older than the given time (Unix ms); returns how many. */
  pruneBefore(time: number): Promise<number>;
}
