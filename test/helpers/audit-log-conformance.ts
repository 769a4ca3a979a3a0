import { beforeEach, describe, it } from 'node:test';
import { useTestDatabase, type TestDatabase } from './test-database.js';
import assert from 'node:assert/strict';
import type { AuditEntry, AuditLog } from '../../src/ports/audit-log.js';

/**
 * The most entries one query may return. The port leaves the number to the store; Herald's stores
 * agree on this one so the admin API pages the same way on every backend.
 */
const QUERY_CAP = 1000;

/** What an adapter hands the suite: the log and the way to close the connection behind it. */
export interface OpenedAuditLog {
  audit: AuditLog;
  close(): Promise<void>;
}

/** One empty database per test. `open` may be called again after a close, to check what was kept. */
export type AuditLogTestDatabase = TestDatabase<OpenedAuditLog>;

/** The behaviour every AuditLog adapter must show; call it once per adapter from that adapter's test file. */
export function describeAuditLogConformance(name: string, makeDatabase: () => Promise<AuditLogTestDatabase>): void {
  describe(`AuditLog conformance: ${name}`, () => {
    const db = useTestDatabase(makeDatabase);
    let audit: AuditLog;
    const open = db.open;
    beforeEach(() => {
      audit = db.first().audit;
    });

    it('returns appended entries with distinct ids and details as objects', async () => {
      const details = { topic: 'alerts', read: true, count: 3, nested: { list: [1, 'two', null] }, note: 'ünïcode 🚨' };
      const created = entry(1_000, 'user:admin', 'user.create', { target: 'bob', address: '192.0.2.7', details });
      const fromCli = entry(2_000, 'cli', 'key.revoke', { target: 'key_abc', details: {} });
      await audit.append(created);
      await audit.append(fromCli);
      const found = await audit.query({ limit: 10 });
      assert.deepEqual(found.map(withoutId), [fromCli, created]);
      assert.equal(new Set(found.map((e) => e.id)).size, 2);
      for (const e of found) assert.equal(typeof e.id, 'number');
      assert.deepEqual(found[1].details, details);
    });

    it('answers newest first by time, whatever the append order, and by append order within a millisecond', async () => {
      const order = [5_000, 1_000, 9_000, 3_000];
      for (const time of order) await audit.append(entry(time, 'cli', 'token.create', { target: `t${time}` }));
      await audit.append(entry(5_000, 'cli', 'token.create', { target: 'later at 5000' }));
      const targets = (await audit.query({ limit: 100 })).map((e) => e.target);
      assert.deepEqual(targets, ['t9000', 'later at 5000', 't5000', 't3000', 't1000']);
    });

    it('filters by since and until (both inclusive), actor and action, alone and together', async () => {
      const entries = [
        entry(1_000, 'user:ann', 'user.create'),
        entry(2_000, 'user:ann', 'access.grant'),
        entry(3_000, 'key:key_1', 'access.grant'),
        entry(4_000, 'user:ann', 'access.grant'),
        entry(5_000, 'cli', 'user.create'),
      ];
      for (const e of entries) await audit.append(e);
      const times = async (q: Parameters<AuditLog['query']>[0]) => (await audit.query(q)).map((e) => e.time);

      assert.deepEqual(await times({ since: 3_000, limit: 100 }), [5_000, 4_000, 3_000]);
      assert.deepEqual(await times({ actor: 'user:ann', limit: 100 }), [4_000, 2_000, 1_000]);
      assert.deepEqual(await times({ action: 'access.grant', limit: 100 }), [4_000, 3_000, 2_000]);
      assert.deepEqual(await times({ actor: 'user:ann', action: 'access.grant', since: 2_500, limit: 100 }), [4_000]);
      assert.deepEqual(await times({ actor: 'user:nobody', limit: 100 }), []);
      assert.deepEqual(await times({ since: 6_000, limit: 100 }), []);
      assert.deepEqual(await times({ until: 2_000, limit: 100 }), [2_000, 1_000], 'until is inclusive');
      assert.deepEqual(await times({ since: 2_000, until: 4_000, action: 'access.grant', limit: 100 }), [4_000, 3_000, 2_000]);
      assert.deepEqual(await times({ since: 4_500, until: 4_000, limit: 100 }), [], 'an empty range');
    });

    it('returns at most limit entries, the newest ones', async () => {
      for (let time = 1; time <= 10; time++) await audit.append(entry(time, 'cli', 'user.create'));
      assert.deepEqual((await audit.query({ limit: 3 })).map((e) => e.time), [10, 9, 8]);
      assert.deepEqual((await audit.query({ action: 'user.create', since: 5, limit: 2 })).map((e) => e.time), [10, 9]);
    });

    it('returns nothing for a zero, negative or non-numeric limit rather than everything', async () => {
      for (let time = 1; time <= 3; time++) await audit.append(entry(time, 'cli', 'user.create'));
      assert.deepEqual(await audit.query({ limit: 0 }), []);
      assert.deepEqual(await audit.query({ limit: -1 }), []);
      assert.deepEqual(await audit.query({ limit: Number.NaN }), []);
    });

    it(`caps the limit at ${QUERY_CAP}`, async () => {
      const total = QUERY_CAP + 5;
      // Appended together: one by one, each would wait for its own synced commit.
      await Promise.all(Array.from({ length: total }, (_, i) => audit.append(entry(i + 1, 'cli', 'token.create'))));
      for (const limit of [QUERY_CAP + 1, 1_000_000, Number.POSITIVE_INFINITY]) {
        const found = await audit.query({ limit });
        assert.equal(found.length, QUERY_CAP, `limit ${limit}`);
        assert.equal(found[0].time, total);
        assert.equal(found[QUERY_CAP - 1].time, total - QUERY_CAP + 1);
      }
    });

    it('prunes only entries strictly older than the given time and counts them', async () => {
      for (const time of [100, 200, 300, 300, 400]) await audit.append(entry(time, 'cli', 'user.create'));
      assert.equal(await audit.pruneBefore(300), 2);
      assert.deepEqual((await audit.query({ limit: 10 })).map((e) => e.time), [400, 300, 300]);
      assert.equal(await audit.pruneBefore(300), 0);
      assert.equal(await audit.pruneBefore(Number.MAX_SAFE_INTEGER), 3);
      assert.deepEqual(await audit.query({ limit: 10 }), []);
    });

    it('never reuses an id, even after the newest entries were pruned', async () => {
      await audit.append(entry(1, 'cli', 'user.create'));
      await audit.append(entry(2, 'cli', 'user.create'));
      const before = Math.max(...(await audit.query({ limit: 10 })).map((e) => e.id));
      await audit.pruneBefore(3);
      await audit.append(entry(3, 'cli', 'user.create'));
      const [after] = await audit.query({ limit: 1 });
      assert.ok(after.id > before, `${after.id} > ${before}`);
    });

    it('keeps its entries across close and reopen, and close is idempotent', async () => {
      const kept = entry(1_700_000_000_123, 'key:key_9', 'key.revoke', { target: 'key_9', details: { reason: 'leaked' } });
      await audit.append(kept);
      const connection = db.first();
      await connection.close();
      await connection.close();

      const reopened = await open();
      assert.deepEqual((await reopened.audit.query({ limit: 10 })).map(withoutId), [kept]);
    });
  });
}

function entry(time: number, actor: string, action: string, fields: Partial<AuditEntry> = {}): AuditEntry {
  return { time, actor, action, target: '', address: '', details: {}, ...fields };
}

function withoutId({ id: _id, ...rest }: AuditEntry & { id: number }): AuditEntry {
  return rest;
}
