import { beforeEach, describe, it } from 'node:test';
import { useTestDatabase, type TestDatabase } from './test-database.js';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { ApiKeyRecord, ApiKeyStore } from '../../src/ports/api-key-store.js';

/** What an adapter hands the suite: the store and the way to close the connection behind it. */
export interface OpenedApiKeyStore {
  keys: ApiKeyStore;
  close(): Promise<void>;
}

/** One empty database per test. `open` may be called again after a close, to check what was kept. */
export type ApiKeyStoreTestDatabase = TestDatabase<OpenedApiKeyStore>;

/** The behaviour every ApiKeyStore adapter must show; call it once per adapter from that adapter's test file. */
export function describeApiKeyStoreConformance(name: string, makeDatabase: () => Promise<ApiKeyStoreTestDatabase>): void {
  describe(`ApiKeyStore conformance: ${name}`, () => {
    const db = useTestDatabase(makeDatabase);
    let keys: ApiKeyStore;
    const open = db.open;
    beforeEach(() => {
      keys = db.first().keys;
    });

    it('adds keys and finds them by hash and by id', async () => {
      const ci = apiKey('ci', { scopes: ['notify:send', 'topics:read'], categories: ['billing', 'security'] });
      const ops = apiKey('ops', { expires: 1_800_000_000 });
      await keys.add(ci);
      await keys.add(ops);
      assert.deepEqual(await keys.byHash(ci.secretHash), ci);
      assert.deepEqual(await keys.byId(ops.id), ops);
      assert.deepEqual(await keys.byId(ci.id), ci);
    });

    it('answers undefined for an unknown hash or id', async () => {
      await keys.add(apiKey('known'));
      assert.equal(await keys.byHash(hashOf('never issued')), undefined);
      assert.equal(await keys.byHash(''), undefined);
      assert.equal(await keys.byId('key_missing'), undefined);
    });

    it('keeps empty and non-ASCII lists and names exactly', async () => {
      const key = apiKey('Zürich “alerts” 🚨', { scopes: [], categories: [] });
      const odd = apiKey('odd', { scopes: ['a,b', '"quoted"', ''], categories: ['ünïcode'] });
      await keys.add(key);
      await keys.add(odd);
      assert.deepEqual(await keys.byId(key.id), key);
      assert.deepEqual(await keys.byHash(odd.secretHash), odd);
    });

    it('lists newest first, revoked keys included, later additions first within a second', async () => {
      const old = apiKey('old', { created: 1_600_000_000 });
      const revoked = apiKey('revoked', { created: 1_650_000_000, revoked: 1_660_000_000 });
      const first = apiKey('first of the second', { created: 1_700_000_000 });
      const second = apiKey('second of the second', { created: 1_700_000_000 });
      for (const key of [revoked, first, old, second]) await keys.add(key);
      assert.deepEqual(await keys.list(), [second, first, revoked, old]);
    });

    it('lists nothing when there are no keys', async () => {
      assert.deepEqual(await keys.list(), []);
    });

    it('updates name, expiry, last use and revocation, each alone', async () => {
      const key = apiKey('before');
      const other = apiKey('untouched');
      await keys.add(key);
      await keys.add(other);

      await keys.update(key.id, { name: 'after' });
      assert.deepEqual(await keys.byId(key.id), { ...key, name: 'after' });
      await keys.update(key.id, { expires: 1_900_000_000 });
      await keys.update(key.id, { lastUsed: 1_700_000_500 });
      assert.deepEqual(await keys.byId(key.id), { ...key, name: 'after', expires: 1_900_000_000, lastUsed: 1_700_000_500 });
      await keys.update(key.id, { revoked: 1_700_001_000, expires: 0 });
      await keys.update(key.id, {});
      const expected = { ...key, name: 'after', expires: 0, lastUsed: 1_700_000_500, revoked: 1_700_001_000 };
      assert.deepEqual(await keys.byId(key.id), expected);
      assert.deepEqual(await keys.byHash(key.secretHash), expected, 'a revoked key is still found, to be refused by the caller');
      assert.deepEqual(await keys.byId(other.id), other);
    });

    it('rejects a second key with the same secret hash and keeps the first', async () => {
      const first = apiKey('first');
      await keys.add(first);
      await assert.rejects(keys.add(apiKey('impostor', { secretHash: first.secretHash })));
      assert.deepEqual(await keys.list(), [first]);
      assert.deepEqual(await keys.byHash(first.secretHash), first);
    });

    it('rejects a second key with the same id and keeps the first', async () => {
      const first = apiKey('first');
      await keys.add(first);
      await assert.rejects(keys.add(apiKey('twin', { id: first.id })));
      assert.deepEqual(await keys.list(), [first]);
    });

    it('keeps its keys across close and reopen, and close is idempotent', async () => {
      const key = apiKey('durable', { scopes: ['admin'], categories: ['ops'], expires: 2_000_000_000 });
      await keys.add(key);
      await keys.update(key.id, { lastUsed: 1_700_000_100 });
      const connection = db.first();
      await connection.close();
      await connection.close();

      const reopened = await open();
      assert.deepEqual(await reopened.keys.byHash(key.secretHash), { ...key, lastUsed: 1_700_000_100 });
      assert.equal((await reopened.keys.list()).length, 1);
    });
  });
}

function hashOf(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function apiKey(name: string, fields: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  const secret = `hk_${randomBytes(24).toString('base64url')}`;
  return {
    id: `key_${randomBytes(8).toString('hex')}`,
    name,
    secretHash: hashOf(secret),
    prefix: secret.slice(0, 7),
    scopes: ['notify:send'],
    categories: [],
    created: 1_700_000_000,
    expires: 0,
    lastUsed: 0,
    revoked: 0,
    ...fields,
  };
}
