import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** Fails if any row of any table of the server's databases still contains one of `needles` (GDPR erasure checks). */
export function assertNothingHolds(dir: string, needles: readonly string[]): void {
  for (const file of ['herald.db', 'queue.db']) {
    const db = new Database(join(dir, file), { readonly: true });
    try {
      for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]) {
        for (const row of db.prepare(`SELECT * FROM "${name}"`).all()) {
          const text = JSON.stringify(row);
          for (const needle of needles) assert.ok(!text.includes(needle), `${file}:${name} still holds ${needle}: ${text.slice(0, 300)}`);
        }
      }
    } finally {
      db.close();
    }
  }
}
