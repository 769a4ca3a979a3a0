import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotificationCache } from '../../src/core/notify/notification-cache.js';
import type { NotificationRecord } from '../../src/ports/notify-store.js';

function record(phase: NotificationRecord['phase']): NotificationRecord {
  return { seq: 1, id: 'ntf_a', template: 't', category: 'c', priority: 'normal', strategy: 'all', data: {}, to: { subscribers: ['a'] }, actor: 'k', createdAt: 0, phase, recipients: 1 };
}

/** A store whose row the test changes, counting reads; `hold` keeps the next read waiting. */
function store(initial: NotificationRecord) {
  const s = {
    row: initial,
    reads: 0,
    held: undefined as (() => void) | undefined,
    hold: false,
    async getNotificationBySeq(): Promise<NotificationRecord | undefined> {
      s.reads++;
      const row = s.row;
      if (s.hold) {
        s.hold = false;
        await new Promise<void>((resolve) => (s.held = resolve));
      }
      return row;
    },
  };
  return s;
}

test('a routed notification is read once and kept; a routing one is read every time', async () => {
  const routing = store(record('routing'));
  const cache = new NotificationCache(routing);
  await cache.get(1);
  await cache.get(1);
  assert.equal(routing.reads, 2);
  const routed = store(record('routed'));
  const kept = new NotificationCache(routed);
  await kept.get(1);
  await kept.get(1);
  assert.equal(routed.reads, 1);
});

test('forget drops the copy: the next get sees the cancel', async () => {
  const s = store(record('routed'));
  const cache = new NotificationCache(s);
  assert.equal((await cache.get(1))?.phase, 'routed');
  s.row = record('cancelled');
  assert.equal((await cache.get(1))?.phase, 'routed', 'still the copy until told');
  cache.forget(1);
  assert.equal((await cache.get(1))?.phase, 'cancelled');
});

test('a read that began before a forget is not kept: the row it got may be the old one', async () => {
  const s = store(record('routed'));
  const cache = new NotificationCache(s);
  s.hold = true;
  const early = cache.get(1);
  // The cancel is written and announced while the read is on its way back with the old row.
  s.row = record('cancelled');
  cache.forget(1);
  s.held!();
  assert.equal((await early)?.phase, 'routed');
  assert.equal((await cache.get(1))?.phase, 'cancelled', 'the stale row was not kept');
});
