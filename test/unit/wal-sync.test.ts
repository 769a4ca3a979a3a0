import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WalSync } from '../../src/adapters/sqlite/wal-sync.js';

function walDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE IF NOT EXISTS t (v INTEGER)');
  return db;
}

test('WalSync syncs the WAL, shares one fsync among callers during another, and follows a recreated WAL', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-walsync-'));
  try {
    const file = join(dir, 'c.db');
    let db = walDatabase(file);
    const wal = new WalSync(file);
    db.prepare('INSERT INTO t VALUES (1)').run();
    // Three calls: the first runs, the two during it share the next.
    await Promise.all([wal.sync(), wal.sync(), wal.sync()]);

    // The last connection's close deletes the WAL; the next open makes a new file.
    db.close();
    assert.equal(existsSync(`${file}-wal`), false);
    await wal.sync(); // no WAL: the database file is synced instead
    db = walDatabase(file);
    db.prepare('INSERT INTO t VALUES (2)').run();
    assert.equal(existsSync(`${file}-wal`), true);
    await wal.sync();
    await wal.close();
    db.close();
    const check = new Database(file, { readonly: true });
    assert.deepEqual(check.prepare('SELECT v FROM t ORDER BY v').pluck().all(), [1, 2]);
    check.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
