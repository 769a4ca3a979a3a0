import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventEndpointRecord, EventEndpointStore } from '../../src/ports/event-endpoint-store.js';
import { useTestDatabase, type TestDatabase } from './test-database.js';

/** What an adapter hands the suite: the store and the way to close the connection behind it. */
export interface OpenedEventEndpointStore {
  eventEndpoints: EventEndpointStore;
  close(): Promise<void>;
}

export function endpointRecord(id: string, fields: Partial<EventEndpointRecord> = {}): EventEndpointRecord {
  return {
    id, url: `https://hooks.example.com/${id}`, events: ['push.delivery.sent'], description: 'd', secret: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0',
    previousSecret: null, previousSecretExpires: 0, disabledAt: 0, disabledReason: '', consecutiveFailures: 0,
    actor: 'key:key_abc', createdAt: 1_700_000_000_000, updatedAt: 1_700_000_000_000, ...fields,
  };
}

/** The behaviour every EventEndpointStore adapter must show; call it once per adapter. */
export function describeEventEndpointStoreConformance(name: string, makeDatabase: () => Promise<TestDatabase<OpenedEventEndpointStore>>): void {
  describe(`EventEndpointStore conformance: ${name}`, () => {
    const db = useTestDatabase(makeDatabase);
    let store: EventEndpointStore;
    beforeEach(() => {
      store = db.first().eventEndpoints;
    });

    it('stores endpoints as given and reads them back by id, in pages and all at once', async () => {
      const a = endpointRecord('ep_a', { events: ['*'], previousSecret: 'whsec_old', previousSecretExpires: 5, description: 'ünïcode' });
      const b = endpointRecord('ep_b', { disabledAt: 7, disabledReason: 'gone' });
      const c = endpointRecord('ep_c');
      for (const e of [c, a, b]) await store.add(e);
      assert.deepEqual(await store.byId('ep_a'), a);
      assert.deepEqual(await store.byId('ep_b'), b);
      assert.equal(await store.byId('ep_x'), undefined);
      const first = await store.list({ limit: 2 });
      assert.deepEqual(first.endpoints.map((e) => e.id), ['ep_a', 'ep_b']);
      assert.equal(first.nextCursor, 'ep_b');
      const second = await store.list({ cursor: first.nextCursor!, limit: 2 });
      assert.deepEqual(second.endpoints, [c]);
      assert.equal(second.nextCursor, undefined);
      assert.deepEqual((await store.all()).map((e) => e.id), ['ep_a', 'ep_b', 'ep_c']);
      await assert.rejects(store.add(endpointRecord('ep_a')), 'a duplicate id is refused');
    });

    it('updates only the fields given; re-enabling clears the failure run', async () => {
      await store.add(endpointRecord('ep_a'));
      assert.equal(await store.settle('ep_a', false), 1);
      assert.equal(await store.settle('ep_a', false), 2);
      assert.equal(await store.update('ep_a', { events: ['device.invalidated'], disabledAt: 9, disabledReason: 'x', updatedAt: 10 }), true);
      let e = (await store.byId('ep_a'))!;
      assert.deepEqual(e.events, ['device.invalidated']);
      assert.equal(e.url, 'https://hooks.example.com/ep_a');
      assert.equal(e.disabledAt, 9);
      assert.equal(e.consecutiveFailures, 2);
      assert.equal(await store.update('ep_a', { disabledAt: 0, disabledReason: '' }), true);
      e = (await store.byId('ep_a'))!;
      assert.equal(e.disabledAt, 0);
      assert.equal(e.consecutiveFailures, 0);
      assert.equal(await store.update('ep_x', { url: 'https://x' }), false);
      assert.equal(await store.update('ep_x', {}), false);
      assert.equal(await store.update('ep_a', {}), true);
    });

    it('counts failures in a row until a success', async () => {
      await store.add(endpointRecord('ep_a'));
      assert.equal(await store.settle('ep_a', false), 1);
      assert.equal(await store.settle('ep_a', true), 0);
      assert.equal(await store.settle('ep_a', false), 1);
      assert.equal(await store.settle('ep_x', false), 0, 'an unknown endpoint has no run');
    });

    it('keeps attempts newest first per endpoint, prunes by time, and removes them with their endpoint', async () => {
      await store.add(endpointRecord('ep_a'));
      await store.add(endpointRecord('ep_b'));
      await store.addAttempt({ endpointId: 'ep_a', messageId: 'msg_1', type: 'push.delivery.sent', time: 100, attempt: 1, result: 'retrying', status: 500, error: 'HTTP 500' });
      await store.addAttempt({ endpointId: 'ep_a', messageId: 'msg_1', type: 'push.delivery.sent', time: 200, attempt: 2, result: 'succeeded' });
      await store.addAttempt({ endpointId: 'ep_b', messageId: 'msg_2', type: 'device.invalidated', time: 150, attempt: 1, result: 'failed', error: 'network' });
      assert.deepEqual(await store.attempts('ep_a', 10), [
        { endpointId: 'ep_a', messageId: 'msg_1', type: 'push.delivery.sent', time: 200, attempt: 2, result: 'succeeded' },
        { endpointId: 'ep_a', messageId: 'msg_1', type: 'push.delivery.sent', time: 100, attempt: 1, result: 'retrying', status: 500, error: 'HTTP 500' },
      ]);
      assert.equal((await store.attempts('ep_a', 1)).length, 1);
      assert.equal(await store.pruneAttempts(150), 1);
      assert.equal((await store.attempts('ep_a', 10)).length, 1);
      assert.equal(await store.remove('ep_a'), true);
      assert.equal(await store.remove('ep_a'), false);
      assert.deepEqual(await store.attempts('ep_a', 10), []);
      assert.equal((await store.attempts('ep_b', 10)).length, 1, "another endpoint's attempts stay");
    });

    it('keeps what was written across connections', async () => {
      await store.add(endpointRecord('ep_a'));
      const other = await db.open();
      assert.deepEqual(await other.eventEndpoints.byId('ep_a'), endpointRecord('ep_a'));
    });
  });
}
