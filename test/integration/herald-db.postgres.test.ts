import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { openPostgresHeraldStores, type PostgresHeraldStores } from '../../src/adapters/postgres/herald-db/index.js';
import { openPostgres, type PostgresDatabase } from '../../src/adapters/postgres/open-postgres.js';
import type { ApiKeyRecord } from '../../src/ports/api-key-store.js';
import type { Clock } from '../../src/ports/clock.js';
import { describeApiKeyStoreConformance } from '../helpers/api-key-store-conformance.js';
import { describeAuditLogConformance } from '../helpers/audit-log-conformance.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { freshPostgresSchema, serviceSkip } from '../helpers/services.js';

const skip = await serviceSkip('postgres');

/** The stores on their own pool, as one Herald process would hold them; close() also closes that pool. Small pools: the server is shared. */
async function storesOn(url: string, clock?: Clock): Promise<PostgresHeraldStores & { db: PostgresDatabase }> {
  const db = await openPostgres({ url, poolSize: 4 });
  try {
    const stores = await openPostgresHeraldStores({ database: db, ...(clock ? { clock } : {}) });
    let closed: Promise<void> | undefined;
    return {
      ...stores,
      db,
      close() {
        closed ??= stores.close().then(() => db.close());
        return closed;
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}

async function tempSchema(name: string) {
  const schema = await freshPostgresSchema(name);
  return { open: () => storesOn(schema.url), drop: schema.drop };
}

if (skip) {
  describe('ApiKeyStore and AuditLog conformance: postgres', { skip }, () => {
    it('runs against the machine PostgreSQL', () => {});
  });
} else {
  describeApiKeyStoreConformance('postgres', () => tempSchema('herald-db keys conformance'));
  describeAuditLogConformance('postgres', () => tempSchema('herald-db audit conformance'));
}

function apiKey(name: string, fields: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    id: `key_${randomBytes(8).toString('hex')}`, name, secretHash: createHash('sha256').update(randomBytes(24)).digest('hex'), prefix: 'hk_AbC',
    scopes: ['notify:send'], categories: [], created: 1_700_000_000, expires: 0, lastUsed: 0, revoked: 0, ...fields,
  };
}

/** Several processes on one fresh schema, each with its own pool; closes them and drops the schema after `run`. */
async function nodes(name: string, count: number, run: (nodes: (PostgresHeraldStores & { db: PostgresDatabase })[]) => Promise<void>, clock?: Clock): Promise<void> {
  const schema = await freshPostgresSchema(name);
  const opened = await Promise.all(Array.from({ length: count }, () => storesOn(schema.url, clock)));
  try {
    await run(opened);
  } finally {
    for (const node of opened) await node.close();
    await schema.drop();
  }
}

describe('herald database on postgres', { skip }, () => {
  it('three processes opening an empty schema at once migrate each store once', async () => {
    await nodes('herald-db migrate once', 3, async ([a, b, c]) => {
      for (const [table, name] of [['herald_api_key_migration', '0001_api_keys'], ['herald_audit_migration', '0001_audit'], ['herald_server_secret_migration', '0001_server_secrets']]) {
        const applied = await a!.db.pool.query<{ name: string }>(`SELECT name FROM ${table}`);
        assert.deepEqual(applied.rows.map((row) => row.name), [name]);
      }
      const key = apiKey('shared');
      await b!.keys.add(key);
      assert.deepEqual(await c!.keys.byHash(key.secretHash), key);
    });
  });

  it('migrates while other clients create and drop schemas and tables beside it in the same database', async () => {
    // Kysely's own check for its bookkeeping tables lists the tables of every schema and resolves
    // each by name: a table or schema dropped meanwhile failed the start of a node beside it.
    const churnSchema = await freshPostgresSchema('herald-db churn');
    const churn = await openPostgres({ url: churnSchema.url, poolSize: 1 });
    let stop = false;
    let churned = 0;
    const churning = (async () => {
      while (!stop) {
        const other = `t_churn_${process.pid}_${churned++}`;
        await churn.pool.query(`CREATE TABLE t (id serial PRIMARY KEY, v text); DROP TABLE t`);
        await churn.pool.query(`CREATE SCHEMA ${other}; CREATE TABLE ${other}.t (id serial PRIMARY KEY, v text); DROP SCHEMA ${other} CASCADE`);
      }
    })();
    try {
      for (let run = 0; run < 8; run++) {
        await nodes(`herald-db migrate beside churn ${run}`, 1, async ([node]) => {
          const applied = await node!.db.pool.query<{ name: string }>('SELECT name FROM herald_api_key_migration');
          assert.deepEqual(applied.rows.map((row) => row.name), ['0001_api_keys']);
        });
      }
      assert.ok(churned > 8, `the churn ran beside the migrations (${churned} rounds)`);
    } finally {
      stop = true;
      await churning;
      await churn.close();
      await churnSchema.drop();
    }
  });

  it('refuses UPDATE, DELETE and TRUNCATE of audit rows from any client; only the retention prune deletes', async () => {
    await nodes('herald-db audit append only', 1, async ([node]) => {
      const { audit, db } = node!;
      await audit.append({ time: 1, actor: 'user:ann', action: 'user.create', target: 'bob', address: '', details: {} });
      await audit.append({ time: 2, actor: 'cli', action: 'user.remove', target: 'bob', address: '', details: {} });
      await assert.rejects(db.pool.query("UPDATE audit SET actor = 'x'"), /audit log is append-only: UPDATE refused/);
      await assert.rejects(db.pool.query('UPDATE audit SET time = 0 WHERE time = 1'), /append-only/);
      await assert.rejects(db.pool.query('DELETE FROM audit WHERE time = 2'), /audit log is append-only: DELETE refused/);
      await assert.rejects(db.pool.query('TRUNCATE audit'), /audit log is append-only: TRUNCATE refused/);
      // The setting is transaction-local: a DELETE after the prune's transaction is refused again.
      assert.equal(await audit.pruneBefore(2), 1);
      await assert.rejects(db.pool.query('DELETE FROM audit'), /append-only/);
      assert.deepEqual((await audit.query({ limit: 10 })).map((e) => [e.time, e.actor]), [[2, 'cli']]);
    });
  });

  it('two processes appending at once: every entry kept once, ids distinct, newest first', async () => {
    await nodes('herald-db audit two writers', 2, async ([a, b]) => {
      const entry = (time: number, actor: string) => ({ time, actor, action: 'token.create', target: '', address: '', details: { time } });
      await Promise.all(Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? a! : b!).audit.append(entry(i + 1, i % 2 === 0 ? 'a' : 'b'))));
      const found = await b!.audit.query({ limit: 1000 });
      assert.deepEqual(found.map((e) => e.time), Array.from({ length: 300 }, (_, i) => 300 - i));
      assert.equal(new Set(found.map((e) => e.id)).size, 300);
      assert.deepEqual(found[0]!.details, { time: 300 });
    });
  });

  it('writes the audit entries still gathering when it closes', async () => {
    const schema = await freshPostgresSchema('herald-db audit close');
    try {
      const first = await storesOn(schema.url);
      const appended = first.audit.append({ time: 7, actor: 'cli', action: 'key.revoke', target: 'key_1', address: '', details: {} });
      await first.close();
      await appended;
      const again = await storesOn(schema.url);
      assert.deepEqual((await again.audit.query({ limit: 10 })).map((e) => e.target), ['key_1']);
      await again.close();
    } finally {
      await schema.drop();
    }
  });

  it('two processes starting together agree on one secret per name, dated by the injected clock', async () => {
    const clock = new ManualClock(1_700_000_123_456);
    await nodes('herald-db secrets', 2, async ([a, b]) => {
      const names = Array.from({ length: 10 }, (_, i) => `secret${i}`);
      const results = await Promise.all(names.map((name) => Promise.all([a!.secret(name, () => `a-${name}`), b!.secret(name, () => `b-${name}`)])));
      for (const [i, [fromA, fromB]] of results.entries()) {
        assert.equal(fromA, fromB, `${names[i]}: both processes got the same value`);
        assert.match(fromA, new RegExp(`^[ab]-${names[i]}$`));
      }
      assert.equal(await a!.secret('secret0', () => 'never used'), results[0]![0], 'kept from then on');
      const dated = await a!.db.pool.query<{ created_at: string }>("SELECT created_at FROM server_secrets WHERE name = 'secret0'");
      assert.equal(Number(dated.rows[0]!.created_at), clock.time);
    }, clock);
  });

  it('two processes adding keys with the same secret hash at once: one is kept, the other fails', async () => {
    await nodes('herald-db keys race', 2, async ([a, b]) => {
      const pairs = Array.from({ length: 8 }, (_, i) => {
        const first = apiKey(`first${i}`);
        return [first, apiKey(`twin${i}`, { secretHash: first.secretHash })] as const;
      });
      const results = await Promise.all(pairs.map(([x, y]) => Promise.allSettled([a!.keys.add(x), b!.keys.add(y)])));
      for (const pair of results) assert.deepEqual(pair.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
      const listed = await a!.keys.list();
      assert.equal(listed.length, pairs.length);
      for (const [x] of pairs) assert.equal((await b!.keys.byHash(x.secretHash))?.secretHash, x.secretHash);
    });
  });
});
