import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createBcryptPasswordHasher } from '../../src/adapters/crypto/bcrypt-password-hasher.js';
import { createSqliteAuthStore } from '../../src/adapters/sqlite/auth/sqlite-auth-store.js';
import { createSqliteMessageCache } from '../../src/adapters/sqlite/message-cache/sqlite-message-cache.js';
import { describeAuthStoreConformance } from '../helpers/auth-store-conformance.js';

describeAuthStoreConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-auth-'));
  // A subdirectory that does not exist yet: the store must create it.
  const file = join(dir, 'nested', 'auth.db');
  return {
    open: () => createSqliteAuthStore({ file }),
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite auth store, file specifics', () => {
  it('creates the missing parent directory and opens in WAL with foreign keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-auth-'));
    try {
      const file = join(dir, 'a', 'b', 'user.db');
      const store = await createSqliteAuthStore({ file });
      await store.close();
      assert.ok(existsSync(file));
      const raw = new Database(file, { readonly: true });
      try {
        assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
        const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
        assert.ok(tables.includes('herald_auth_migration'), 'its own migration table');
        assert.ok(!tables.includes('kysely_migration'), 'not the default one the cache uses');
      } finally {
        raw.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shares a file with the message cache without a migration clash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-auth-'));
    try {
      const file = join(dir, 'shared.db');
      const cache = await createSqliteMessageCache({ file, sync: 'full', maxBatch: 10, batchDelayMs: 0 });
      const store = await createSqliteAuthStore({ file });
      await store.addUser({ id: 'u_shared', name: 'shared', passwordHash: 'x', role: 'user', created: 1 });
      assert.equal((await store.userByName('shared'))?.id, 'u_shared');
      assert.equal(await cache.publishedCount(), 0);
      await store.close();
      await cache.close();
      // Reopening in the other order runs neither set of migrations again.
      const again = await createSqliteAuthStore({ file });
      const cacheAgain = await createSqliteMessageCache({ file, sync: 'full', maxBatch: 10, batchDelayMs: 0 });
      assert.equal((await again.users()).length, 1);
      await cacheAgain.close();
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bcrypt password hasher', () => {
  // Cost 4 (bcrypt's minimum) keeps the suite fast; the default is checked on one hash below.
  const hasher = createBcryptPasswordHasher({ cost: 4 });

  it('verifies the right password and rejects a wrong one', async () => {
    const hash = await hasher.hash('correct horse');
    assert.match(hash, /^\$2[aby]?\$04\$/);
    assert.equal(await hasher.verify('correct horse', hash), true);
    assert.equal(await hasher.verify('correct horsE', hash), false);
    assert.equal(await hasher.verify('', hash), false);
  });

  it('uses cost 10 by default, as ntfy does', async () => {
    const hash = await createBcryptPasswordHasher().hash('pw');
    assert.match(hash, /^\$2[aby]?\$10\$/);
  });

  it('returns false, never throws, for malformed hashes', async () => {
    const malformed = ['', 'plain', 'x'.repeat(60), `$2a$10$${'!'.repeat(53)}`, `$2a$99$${'a'.repeat(53)}`, '$2a$10$short'];
    for (const hash of malformed) assert.equal(await hasher.verify('pw', hash), false, JSON.stringify(hash));
  });

  it('verifies $2a$ hashes, the prefix ntfy (Go) writes', async () => {
    // bcryptjs writes $2b$; the two differ only in how passwords over 255 bytes are handled, so a
    // relabelled hash stands in for one imported from an ntfy user.db.
    const hash = await hasher.hash('ntfy');
    const goStyle = hash.replace(/^\$2b\$/, '$2a$');
    assert.equal(await hasher.verify('ntfy', goStyle), true);
  });
});
