import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from './manual-clock.js';
import { useTestDatabase, type TestDatabase } from './test-database.js';
import type { CacheQuery, MessageCache, Since } from '../../src/ports/message-cache.js';
import type { Message } from '../../src/ports/message.js';

/** What an adapter hands the suite: the cache and the way to close the connection behind it. */
export interface OpenedMessageCache {
  cache: MessageCache;
  close(): Promise<void>;
}

/** One empty database per test. `open` may be called again after a close, to check what was kept. */
export type MessageCacheTestDatabase = TestDatabase<OpenedMessageCache>;

/**
 * The behaviour every MessageCache adapter must show; call it once per adapter from that adapter's
 * test file. Message times are Unix seconds; the cache never reads a clock, so each test moves a
 * ManualClock and passes its time in seconds.
 */
export function describeMessageCacheConformance(name: string, makeDatabase: () => Promise<MessageCacheTestDatabase>): void {
  describe(`MessageCache conformance: ${name}`, () => {
    const db = useTestDatabase(makeDatabase);
    let cache: MessageCache;
    let clock: ManualClock;
    let serial: number;
    beforeEach(() => {
      cache = db.first().cache;
      clock = new ManualClock();
      serial = 0;
    });
    const seconds = () => Math.floor(clock.now() / 1000);
    /** A minimal message of a topic, at the clock's time unless `fields` say otherwise. */
    const message = (topic: string, fields: Partial<Message> = {}): Message =>
      ({ id: `msg${String(++serial).padStart(9, '0')}`, time: seconds(), event: 'message', topic, message: `body ${serial}`, ...fields });
    const add = async (m: Message, scheduled = false): Promise<Message> => {
      await cache.add(m, scheduled);
      return m;
    };
    const ids = async (topics: readonly string[], since: Since, scheduled = false) =>
      (await cache.messages({ topics, since, scheduled } satisfies CacheQuery)).map((m) => m.id);

    it('keeps every field of a message exactly, and leaves unset ones out', async () => {
      const full: Message = {
        id: 'FULLmsg00001', time: seconds(), expires: seconds() + 43_200, event: 'message', topic: 'backups',
        title: 'Backup of zoë\'s NAS 🚨', message: 'line 1\nline 2 — done', priority: 5, tags: ['warning', 'skull', 'ünï'],
        click: 'https://example.com/click', icon: 'https://example.com/icon.png',
        actions: [
          { id: 'a1', action: 'view', label: 'Open', clear: true, url: 'https://example.com' },
          { id: 'a2', action: 'http', label: 'Retry', clear: false, url: 'https://api.example.com/retry', method: 'PUT', headers: { Authorization: 'Bearer x' }, body: '{"a":1}' },
          { id: 'a3', action: 'broadcast', label: 'Tell', clear: false, intent: 'io.herald.X', extras: { k: 'v' } },
        ],
        attachment: { name: 'report.pdf', type: 'application/pdf', size: 12_345, expires: seconds() + 10_800, url: 'https://herald.example/file/FULLmsg00001.pdf' },
        content_type: 'text/markdown', encoding: 'base64', sender: '203.0.113.9', user: 'u_ann',
      };
      await add(full);
      const minimal = await add({ id: 'MINImsg00001', time: seconds(), event: 'message', topic: 'backups' });
      assert.deepEqual(await cache.messageById('FULLmsg00001'), full);
      assert.deepEqual(await cache.messageById('MINImsg00001'), minimal, 'no field appears that was not set');
      assert.deepEqual(await cache.messages({ topics: ['backups'], since: { kind: 'all' }, scheduled: false }), [full, minimal]);
      assert.equal(await cache.messageById('missing'), undefined);

      const external = await add(message('backups', { attachment: { name: 'big.iso', url: 'https://files.example/big.iso' } }));
      assert.deepEqual((await cache.messageById(external.id))?.attachment, { name: 'big.iso', url: 'https://files.example/big.iso' });
    });

    it('replays by since: all, none, latest per topic, after an id, from a time', async () => {
      const a1 = await add(message('A', { time: 100 }));
      const b1 = await add(message('B', { time: 100 }));
      const a2 = await add(message('A', { time: 101 }));
      const a3 = await add(message('A', { time: 101 }));
      const b2 = await add(message('B', { time: 102 }));
      await add(message('other', { time: 100 }));
      assert.deepEqual(await ids(['A'], { kind: 'all' }), [a1.id, a2.id, a3.id]);
      assert.deepEqual(await ids(['A', 'B'], { kind: 'all' }), [a1.id, b1.id, a2.id, a3.id, b2.id], 'by time, ties in the order they were added');
      assert.deepEqual(await ids(['A', 'B'], { kind: 'none' }), []);
      assert.deepEqual(await ids([], { kind: 'all' }), []);
      assert.deepEqual(await ids(['a'], { kind: 'all' }), [], 'topic names are exact');
      assert.deepEqual(await ids(['A', 'B'], { kind: 'latest' }), [a3.id, b2.id], 'the last one added to each topic');
      assert.deepEqual(await ids(['nobody'], { kind: 'latest' }), []);
      assert.deepEqual(await ids(['A', 'B'], { kind: 'id', id: a1.id }), [b1.id, a2.id, a3.id, b2.id], 'everything added after it');
      assert.deepEqual(await ids(['A'], { kind: 'id', id: b1.id }), [a2.id, a3.id], 'the id may be of another topic');
      assert.deepEqual(await ids(['A', 'B'], { kind: 'id', id: b2.id }), []);
      assert.deepEqual(await ids(['A'], { kind: 'id', id: 'unknownid123' }), [a1.id, a2.id, a3.id], 'an unknown id replays everything');
      assert.deepEqual(await ids(['A', 'B'], { kind: 'time', time: 101 }), [a2.id, a3.id, b2.id], 'the time itself included');
      assert.deepEqual(await ids(['A', 'B'], { kind: 'time', time: 103 }), []);
    });

    it('orders by message time but reads "after an id" in the order messages were added', async () => {
      const late = await add(message('T', { time: 200 }));
      const early = await add(message('T', { time: 150 }));
      assert.deepEqual(await ids(['T'], { kind: 'all' }), [early.id, late.id]);
      assert.deepEqual(await ids(['T'], { kind: 'id', id: late.id }), [early.id], 'added after it, though older');
      assert.deepEqual(await ids(['T'], { kind: 'id', id: early.id }), []);
      assert.deepEqual(await ids(['T'], { kind: 'latest' }), [early.id], 'the last one added, not the newest time');
    });

    it('holds scheduled messages back until they are published, and hands out due ones once', async () => {
      const now = seconds();
      const before = await add(message('S', { time: now - 1 }));
      const later = await add(message('S', { time: now + 60 }), true);
      const sooner = await add(message('S2', { time: now + 30 }), true);
      assert.deepEqual(await ids(['S', 'S2'], { kind: 'all' }), [before.id]);
      assert.deepEqual(await ids(['S', 'S2'], { kind: 'all' }, true), [before.id, sooner.id, later.id], 'with scheduled: true, by time');
      assert.deepEqual(await ids(['S'], { kind: 'latest' }), [before.id], 'latest is of published messages');
      assert.deepEqual(await cache.messageById(later.id), later, 'found by id while scheduled');

      assert.deepEqual(await cache.dueMessages(seconds()), []);
      clock.advance(30_000);
      assert.deepEqual(await cache.dueMessages(seconds()), [sooner], 'due at its own time');
      clock.advance(30_000);
      assert.deepEqual((await cache.dueMessages(seconds())).map((m) => m.id), [sooner.id, later.id], 'oldest first, across topics');
      await cache.markPublished([sooner.id]);
      assert.deepEqual(await cache.dueMessages(seconds()), [later]);
      assert.deepEqual(await ids(['S2'], { kind: 'all' }), [sooner.id]);
      await cache.markPublished([sooner.id, later.id, 'unknownid123']);
      await cache.markPublished([]);
      assert.deepEqual(await cache.dueMessages(seconds()), []);
      assert.deepEqual(await ids(['S', 'S2'], { kind: 'all' }), [before.id, sooner.id, later.id]);
      assert.deepEqual(await ids(['S'], { kind: 'latest' }), [later.id]);
    });

    it('keeps sequence IDs, copy actions and clear/delete events as given', async () => {
      const update = await add(message('Q', { sequence_id: 'dl-1', actions: [{ id: 'c1', action: 'copy', label: 'Copy code', clear: false, value: '123456' }] }));
      const cleared = await add({ id: 'CLEARevent01', sequence_id: 'dl-1', time: seconds(), expires: seconds() + 60, event: 'message_clear', topic: 'Q' });
      const deleted = await add({ id: 'DELETEevnt01', sequence_id: 'dl-1', time: seconds(), expires: seconds() + 60, event: 'message_delete', topic: 'Q' });
      assert.deepEqual(await cache.messages({ topics: ['Q'], since: { kind: 'all' }, scheduled: false }), [update, cleared, deleted]);
      assert.deepEqual(await cache.messageById(cleared.id), cleared);
      assert.deepEqual(await ids(['Q'], { kind: 'id', id: update.id }), [cleared.id, deleted.id]);
    });

    it('deleteScheduled removes a topic\'s waiting messages of one sequence, and nothing published or elsewhere', async () => {
      const now = seconds();
      const sent = await add(message('D', { sequence_id: 'hb' }));
      const waiting = await add(message('D', { time: now + 60, sequence_id: 'hb' }), true);
      const waitingById = await add(message('D', { time: now + 60 }), true);
      const otherSequence = await add(message('D', { time: now + 60, sequence_id: 'other' }), true);
      const otherTopic = await add(message('D2', { time: now + 60, sequence_id: 'hb' }), true);
      assert.deepEqual(await cache.deleteScheduled('D', 'hb'), [waiting]);
      assert.deepEqual(await cache.deleteScheduled('D', 'hb'), [], 'once');
      assert.deepEqual((await cache.deleteScheduled('D', waitingById.id)).map((m) => m.id), [waitingById.id], 'a message without a sequence ID is its own');
      assert.deepEqual(await ids(['D', 'D2'], { kind: 'all' }, true), [sent.id, otherSequence.id, otherTopic.id]);
      await cache.markPublished([otherSequence.id]);
      assert.deepEqual(await cache.deleteScheduled('D', 'other'), [], 'a published message stays');
      assert.equal(await cache.messageById(waiting.id), undefined);
    });

    it('keeps U+0000 and backslashes in a message\'s text exactly', async () => {
      const odd: Message = {
        id: 'NULLmsg00001', time: seconds(), event: 'message', topic: 'odd',
        title: 'a\u0000b\\0', message: 'body \u0000 with \\ and \\\\0 and \u0000\u0000', tags: ['t\u0000g'], click: 'https://example.com/\u0000',
        actions: [{ id: 'a1', action: 'view', label: 'L\u0000', clear: false, url: 'https://example.com' }],
        attachment: { name: 'n\u0000.txt', type: 'text/plain', size: 3, expires: seconds() + 60, url: 'https://herald.example/file/NULLmsg00001.txt' },
        content_type: 'text/plain', user: 'u_\\x',
      };
      const plain = await add(message('odd', { message: 'back\\slash \\0 only' }));
      // Added together, so they may share a batch: the odd one must not fail its neighbour either.
      await Promise.all([cache.add(odd, false), cache.add(message('odd'), false)]);
      assert.deepEqual(await cache.messageById(odd.id), odd);
      assert.deepEqual(await cache.messageById(plain.id), plain);
      assert.equal((await ids(['odd'], { kind: 'all' })).length, 3);
    });

    it('markPublished returns the ids it published: of two callers marking the same message, one gets it', async () => {
      const now = seconds();
      const due: Message[] = [];
      for (let i = 0; i < 30; i++) due.push(await add(message('race', { time: now - 30 + i }), true));
      const all = due.map((m) => m.id);
      assert.deepEqual(await cache.markPublished([due[0]!.id, 'unknownid123']), [due[0]!.id]);
      assert.deepEqual(await cache.markPublished([due[0]!.id]), [], 'already published');
      const [first, second] = await Promise.all([cache.markPublished(all), cache.markPublished([...all].reverse())]);
      assert.deepEqual([...first, ...second].sort(), all.slice(1).sort(), 'every id once, between the two');
      assert.deepEqual(await cache.dueMessages(now), []);
      assert.deepEqual(await cache.markPublished(all), []);
    });

    it('prunes messages whose expiry has passed, naming those whose uploaded files are still to delete', async () => {
      const t = 1_000_000;
      const upload = (size: number, expires: number) => ({ name: 'f.bin', type: 'application/octet-stream', size, expires, url: 'https://herald.example/file/x.bin' });
      const atLimit = await add(message('P', { time: t - 100, expires: t, attachment: upload(10, t - 50) }));
      const plainAtLimit = await add(message('P', { time: t - 100, expires: t }));
      const after = await add(message('P', { time: t - 100, expires: t + 1, attachment: upload(20, t - 50) }));
      const forever = await add(message('P', { time: t - 100 }));
      const external = await add(message('P', { time: t - 100, expires: t - 1, attachment: { name: 'x', url: 'https://files.example/x' } }));
      const scheduled = await add(message('P', { time: t + 500, expires: t - 1, attachment: upload(5, t - 50) }), true);

      assert.deepEqual((await cache.pruneExpired(t)).sort(), [scheduled.id], 'expired strictly before t; an external file is not ours');
      assert.equal(await cache.messageById(external.id), undefined);
      assert.equal(await cache.messageById(scheduled.id), undefined, 'a scheduled message expires too');
      assert.deepEqual(await ids(['P'], { kind: 'all' }), [atLimit.id, plainAtLimit.id, after.id, forever.id], 'expiring exactly at t: kept');

      assert.deepEqual(await cache.pruneExpired(t + 1), [atLimit.id]);
      assert.deepEqual(await cache.pruneExpired(t + 1), [], 'each is named once');
      assert.deepEqual(await ids(['P'], { kind: 'all' }), [after.id, forever.id]);
      // A file already handed out by expiredAttachmentIds is not named again with its message.
      assert.deepEqual(await cache.expiredAttachmentIds(t + 2), [after.id]);
      assert.deepEqual(await cache.pruneExpired(t + 2_000_000_000), []);
      assert.deepEqual(await ids(['P'], { kind: 'all' }), [forever.id], 'a message without expiry stays');
    });

    it("expires a topic's messages, scheduled ones and those without expiry included, and only that topic's", async () => {
      const t = 3_000_000;
      const upload = { name: 'f.bin', type: 'application/octet-stream', size: 7, expires: t + 900, url: 'https://herald.example/file/y.bin' };
      const withFile = await add(message('Gone', { time: t - 10, expires: t + 1000, attachment: upload }));
      await add(message('Gone', { time: t - 10 }));
      await add(message('Gone', { time: t + 500, expires: t + 1000 }), true);
      const other = await add(message('Kept', { time: t - 10, expires: t + 1000 }));
      await cache.expireTopic('Gone', t);
      assert.deepEqual(await cache.pruneExpired(t), [withFile.id], 'the upload is named for deletion');
      assert.deepEqual(await ids(['Gone'], { kind: 'all' }), []);
      assert.deepEqual((await cache.messages({ topics: ['Gone'], since: { kind: 'all' }, scheduled: true })).length, 0);
      assert.deepEqual(await ids(['Kept'], { kind: 'all' }), [other.id]);
    });

    it('counts a sender\'s attachment bytes until they expire, and hands out expired files once', async () => {
      const t = 2_000_000;
      const upload = (size: number, expires: number) => ({ name: 'f.bin', size, expires, url: 'https://herald.example/file/f.bin' });
      const first = await add(message('F', { sender: '198.51.100.7', attachment: upload(100, t) }));
      const second = await add(message('F', { sender: '198.51.100.7', attachment: upload(50, t + 1000) }));
      const scheduled = await add(message('F', { sender: '198.51.100.7', attachment: upload(5, t + 1000), time: t + 10 }), true);
      await add(message('F', { sender: '198.51.100.7', attachment: { name: 'ext', url: 'https://files.example/ext' } }));
      const other = await add(message('F', { sender: 'u_bob', attachment: upload(7, t + 1000) }));
      await add(message('F', { sender: '198.51.100.7' }));

      assert.deepEqual((await cache.attachmentIds()).sort(), [first.id, other.id, scheduled.id, second.id].sort(), 'uploaded files only, scheduled included');
      assert.equal(await cache.attachmentBytesBySender('198.51.100.7', t), 155, 'a file expiring at t still counts at t');
      assert.equal(await cache.attachmentBytesBySender('198.51.100.7', t + 1), 55);
      assert.equal(await cache.attachmentBytesBySender('u_bob', t), 7);
      assert.equal(await cache.attachmentBytesBySender('nobody', t), 0);

      assert.deepEqual(await cache.expiredAttachmentIds(t), [], 'expired strictly before the time');
      assert.deepEqual(await cache.expiredAttachmentIds(t + 1), [first.id]);
      assert.deepEqual(await cache.expiredAttachmentIds(t + 1), [], 'handed out once');
      assert.deepEqual((await cache.attachmentIds()).sort(), [other.id, scheduled.id, second.id].sort());
      assert.equal(await cache.attachmentBytesBySender('198.51.100.7', 0), 55, 'a deleted file no longer counts, whatever the time');
      assert.deepEqual((await cache.messageById(first.id))?.attachment, upload(100, t), 'the message keeps describing its attachment');
      assert.deepEqual((await cache.expiredAttachmentIds(t + 1001)).sort(), [other.id, scheduled.id, second.id].sort());
      assert.deepEqual(await cache.attachmentIds(), []);
    });

    it('commits concurrent adds together, none lost, in the order they were added', async () => {
      const batch = Array.from({ length: 60 }, () => message('burst'));
      await Promise.all(batch.map((m) => cache.add(m, false)));
      assert.deepEqual(await ids(['burst'], { kind: 'all' }), batch.map((m) => m.id));
      assert.deepEqual(await ids(['burst'], { kind: 'id', id: batch[29]!.id }), batch.slice(30).map((m) => m.id));
      await db.first().close();
      const reopened = (await db.open()).cache;
      assert.deepEqual((await reopened.messages({ topics: ['burst'], since: { kind: 'all' }, scheduled: false })).map((m) => m.id), batch.map((m) => m.id));
    });

    it('close writes what is still pending and is idempotent; counters and messages survive a reopen', async () => {
      assert.equal(await cache.publishedCount(), 0);
      await cache.countPublished(3);
      await cache.countPublished(0);
      await cache.countPublished(2);
      assert.equal(await cache.publishedCount(), 5);
      await Promise.all(Array.from({ length: 10 }, () => cache.countPublished(1)));
      assert.equal(await cache.publishedCount(), 15, 'concurrent additions are all counted');
      const kept = message('close', { expires: seconds() + 3600 });
      const pending = cache.add(kept, false);
      const scheduled = message('close', { time: seconds() + 60 });
      const pendingScheduled = cache.add(scheduled, true);
      await db.first().close();
      await db.first().close();
      await pending;
      await pendingScheduled;
      const reopened = (await db.open()).cache;
      assert.deepEqual(await reopened.messageById(kept.id), kept);
      assert.deepEqual(await reopened.messages({ topics: ['close'], since: { kind: 'all' }, scheduled: false }), [kept]);
      assert.deepEqual(await reopened.dueMessages(seconds() + 60), [scheduled], 'still scheduled after the reopen');
      assert.equal(await reopened.publishedCount(), 15);
      await reopened.countPublished(1);
      assert.equal(await reopened.publishedCount(), 16);
    });
  });
}
