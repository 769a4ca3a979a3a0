import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createPostgresAuthStore } from '../../src/adapters/postgres/auth/index.js';
import { openPostgres, type PostgresDatabase } from '../../src/adapters/postgres/open-postgres.js';
import { AuthStoreError, type AuthStore, type TokenRecord, type UserRecord } from '../../src/ports/auth-store.js';
import type { Clock } from '../../src/ports/clock.js';
import { describeAuthStoreConformance } from '../helpers/auth-store-conformance.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { freshPostgresSchema, serviceSkip } from '../helpers/services.js';

const skip = await serviceSkip('postgres');

/** An auth store on its own pool, as one Herald process (or the CLI) would hold it. Small pools: the server is shared. */
async function authOn(url: string, clock?: Clock): Promise<{ db: PostgresDatabase; store: AuthStore }> {
  const db = await openPostgres({ url, poolSize: 4 });
  try {
    const store = await createPostgresAuthStore({ database: db, ...(clock ? { clock } : {}) });
    // The suite closes the store; here that also closes the pool this process opened for it.
    return { db, store: { ...store, close: async () => { await store.close(); await db.close(); } } };
  } catch (err) {
    await db.close();
    throw err;
  }
}

if (skip) {
  describe('AuthStore conformance: postgres', { skip }, () => {
    it('runs against the machine PostgreSQL', () => {});
  });
} else {
  describeAuthStoreConformance('postgres', async () => {
    const schema = await freshPostgresSchema('auth-store conformance');
    return { open: async () => (await authOn(schema.url)).store, drop: schema.drop };
  });
}

function user(name: string): UserRecord {
  return { id: `u_${randomBytes(6).toString('hex')}`, name, passwordHash: `$2a$10$hash-of-${name}`, role: 'user', created: 1_700_000_000 };
}

function token(userId: string, fields: Partial<TokenRecord> = {}): TokenRecord {
  return { token: `tk_${randomBytes(20).toString('hex').slice(0, 29)}`, userId, label: '', lastAccess: 0, lastOrigin: '', expires: 0, ...fields };
}

/** Two processes on one fresh schema, each with its own pool; closes both and drops the schema after `run`. */
async function twoNodes(name: string, run: (a: AuthStore, b: AuthStore, bDb: PostgresDatabase) => Promise<void>, clock: Clock = new ManualClock()): Promise<void> {
  const schema = await freshPostgresSchema(name);
  const a = await authOn(schema.url, clock);
  const b = await authOn(schema.url, clock);
  try {
    await run(a.store, b.store, b.db);
  } finally {
    await a.store.close();
    await b.store.close();
    await schema.drop();
  }
}

describe('postgres auth store across processes', { skip }, () => {
  it("notices another process's commit, only once it is committed, and not a failed write", async () => {
    await twoNodes('auth-store change counter', async (server, cli, cliDb) => {
      const start = await server.changeCounter();
      assert.equal(await server.changeCounter(), start, 'no write, no change');

      const u = user('pete');
      await cli.addUser(u);
      const afterUser = await server.changeCounter();
      assert.notEqual(afterUser, start);
      assert.equal(await server.changeCounter(), afterUser);

      // A transaction of the other process that has written but not committed: nothing to see yet.
      const open = await cliDb.pool.connect();
      let afterCommit: number;
      try {
        await open.query('BEGIN');
        await open.query("INSERT INTO access (user_id, pattern, read, write) VALUES (NULL, 'news', 1, 0)");
        assert.equal(await server.changeCounter(), afterUser, 'an uncommitted write is not a change yet');
        assert.deepEqual(await server.access(null), []);
        await open.query('COMMIT');
        afterCommit = await server.changeCounter();
        assert.notEqual(afterCommit, afterUser, 'the commit is');
        assert.deepEqual(await server.access(null), [{ userId: null, pattern: 'news', read: true, write: false }]);
      } finally {
        open.release();
      }

      // A client whose search_path leads elsewhere (psql) and names the table by its schema counts too.
      const psql = await cliDb.pool.connect();
      let afterPsql: number;
      try {
        const { rows } = await psql.query<{ schema: string }>('SELECT current_schema() AS schema');
        await psql.query('SET search_path TO public');
        await psql.query(`DELETE FROM "${rows[0]!.schema}".access WHERE user_id IS NULL`);
        afterPsql = await server.changeCounter();
        assert.notEqual(afterPsql, afterCommit, 'a write through another search_path');
      } finally {
        await psql.query('RESET search_path');
        psql.release();
      }

      await assert.rejects(cli.addUser(user('pete')), (err) => err instanceof AuthStoreError && err.kind === 'duplicate');
      assert.equal(await server.changeCounter(), afterPsql, 'a write that failed changed nothing');

      // Every kind of write moves it, from either process, the cascade of a user's removal included.
      const t = token(u.id);
      let seen = afterPsql;
      const moves = async (what: string, write: () => Promise<unknown>) => {
        await write();
        const now = await server.changeCounter();
        assert.notEqual(now, seen, what);
        seen = now;
      };
      await moves('addToken', () => cli.addToken(t, 60));
      await moves('updateToken (label)', () => cli.updateToken(t.token, { label: 'ci' }));
      // As on SQLite, where data_version and the store's own count move on this write too.
      await moves("updateToken (a token's last access)", () => cli.updateToken(t.token, { lastAccess: 1_700_000_100, lastOrigin: '192.0.2.1' }));
      await moves('changeRole', () => cli.changeRole(u.id, 'admin'));
      await moves('allowAccess', () => cli.allowAccess({ userId: u.id, pattern: 'mine', read: true, write: true }));
      await moves('resetAccess', () => cli.resetAccess(null));
      await moves('a local write', () => server.changePassword(u.id, '$2a$10$new'));
      await moves('removeUser', () => cli.removeUser(u.id));
      assert.equal(await server.tokenRecord(t.token), undefined);
      assert.equal(await server.changeCounter(), seen);
    });
  });

  it('two processes adding the same user name at once: one wins, the other gets duplicate', async () => {
    await twoNodes('auth-store same user', async (a, b) => {
      const names = Array.from({ length: 12 }, (_, i) => `racer${i}`);
      const results = await Promise.all(names.map((name) => Promise.allSettled([a.addUser(user(name)), b.addUser(user(name))])));
      for (const [i, pair] of results.entries()) {
        const won = pair.filter((r) => r.status === 'fulfilled');
        const lost = pair.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        assert.equal(won.length, 1, `${names[i]}: exactly one add succeeds`);
        assert.ok(lost[0]?.reason instanceof AuthStoreError && lost[0].reason.kind === 'duplicate', `${names[i]}: the other is a duplicate`);
      }
      assert.deepEqual((await b.users()).map((u) => u.name).sort(), [...names].sort());
    });
  });

  it("two processes adding a user's 61st token at once keep the 60 newest, both new ones among them", async () => {
    await twoNodes('auth-store 61st token', async (a, b) => {
      const users = Array.from({ length: 6 }, (_, i) => user(`holder${i}`));
      for (const u of users) await a.addUser(u);
      // 59 tokens each, added alternately by both processes; one clock second, so insertion order decides age.
      const existing = new Map<string, TokenRecord[]>();
      await Promise.all(users.map(async (u) => {
        const list: TokenRecord[] = [];
        for (let i = 0; i < 59; i++) {
          const t = token(u.id, { label: `old${i}` });
          await (i % 2 === 0 ? a : b).addToken(t, 60);
          list.push(t);
        }
        existing.set(u.id, list);
      }));

      const added = users.map((u) => [token(u.id, { label: 'from a' }), token(u.id, { label: 'from b' })] as const);
      await Promise.all(added.flatMap(([x, y]) => [a.addToken(x, 60), b.addToken(y, 60)]));

      for (const [i, u] of users.entries()) {
        const kept = await a.tokens(u.id);
        assert.equal(kept.length, 60, `${u.name} holds the cap, not more`);
        const old = existing.get(u.id)!;
        const sort = (list: readonly TokenRecord[]) => list.map((t) => t.token).sort();
        assert.deepEqual(sort(kept), sort([...old.slice(1), ...added[i]!]), `${u.name}: the oldest went, both new ones stayed`);
      }
    });
  });

  it('a token pruned by one process while another removes it: both succeed, no deadlock', async () => {
    await twoNodes('auth-store prune and remove', async (a, b) => {
      const users = Array.from({ length: 30 }, (_, i) => user(`pair${i}`));
      const oldest = new Map<string, TokenRecord>();
      await Promise.all(users.map(async (u) => {
        await a.addUser(u);
        const first = token(u.id, { label: 'oldest' });
        await a.addToken(first, 2);
        await a.addToken(token(u.id, { label: 'second' }), 2);
        oldest.set(u.id, first);
      }));
      // a's third token makes its prune delete the oldest, which b removes at the same moment.
      const results = await Promise.allSettled(users.flatMap((u) => [
        a.addToken(token(u.id, { label: 'third' }), 2),
        b.removeToken(u.id, oldest.get(u.id)!.token),
      ]));
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => String(r.reason));
      assert.deepEqual(failed, []);
      for (const u of users) assert.deepEqual((await b.tokens(u.id)).map((t) => t.label), ['second', 'third']);
    });
  });

  it("prunes by the tokens' creation times from the injected clock", async () => {
    const clock = new ManualClock();
    await twoNodes('auth-store token clock', async (a, b) => {
      const u = user('clocked');
      await a.addUser(u);
      const later = token(u.id, { label: 'created later' });
      const earlier = token(u.id, { label: 'created earlier' });
      await a.addToken(later, 60);
      // Added second but dated a minute earlier by the clock: it is the oldest, the one the cap prunes.
      clock.advance(-60_000);
      await b.addToken(earlier, 60);
      assert.deepEqual((await a.tokens(u.id)).map((t) => t.label), ['created earlier', 'created later']);
      await b.addToken(token(u.id, { label: 'third' }), 2);
      assert.deepEqual((await a.tokens(u.id)).map((t) => t.label), ['third', 'created later']);
    }, clock);
  });

  it('three processes opening an empty schema at once migrate it once, and all of them work', async () => {
    const schema = await freshPostgresSchema('auth-store migrate once');
    const nodes = await Promise.all([authOn(schema.url), authOn(schema.url), authOn(schema.url)]);
    try {
      const applied = await nodes[0]!.db.pool.query<{ name: string }>('SELECT name FROM herald_auth_migration ORDER BY name');
      assert.deepEqual(applied.rows.map((row) => row.name), ['0001_accounts', '0002_sync_topics_prefs_provisioning']);
      const counters = await nodes[1]!.db.pool.query('SELECT id FROM auth_changes');
      assert.equal(counters.rowCount, 1);
      const u = user('everywhere');
      await nodes[1]!.store.addUser(u);
      assert.deepEqual(await nodes[2]!.store.userByName('everywhere'), u);
    } finally {
      for (const node of nodes) await node.store.close();
      await schema.drop();
    }
  });
});
