import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eventually, startPushRig, type PushRig } from '../helpers/push-rig.js';
import { openStream, type LineStream } from '../helpers/streams.js';

/**
 * The in-app inbox over HTTP, against a real server: items come from POST /v1/notify on the
 * inapp channel, the way they do in production.
 */
let rig: PushRig;
before(async () => {
  rig = await startPushRig({ 'keepalive-interval': '300ms' });
  await defineTemplate(rig);
});
after(() => rig.close());

/** A category and a template with an inapp channel, for POST /v1/notify. */
async function defineTemplate(r: PushRig): Promise<void> {
  assert.equal((await r.call('PUT', '/v1/categories/inbox-news', { channels: ['inapp'] })).status, 200);
  const template = { category: 'inbox-news', channels: { inapp: { title: 'Hello {{ n }}', body: 'Item {{ n }}', url: 'https://example.com/items/{{ n }}' } } };
  const put = await r.call('PUT', '/v1/templates/inbox-hello', template);
  assert.equal(put.status, 201, JSON.stringify(put.json));
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function subscriber(r: PushRig = rig): Promise<string> {
  const id = `inbox-${randomBytes(5).toString('hex')}`;
  const put = await r.call('PUT', `/v1/subscribers/${id}`, {});
  assert.equal(put.status, 201, JSON.stringify(put.json));
  return id;
}

/** `Bearer st_…` for the subscriber, as a backend hands it to the subscriber's browser. */
async function tokenFor(id: string, r: PushRig = rig): Promise<string> {
  const res = await r.call('POST', '/v1/subscriber-tokens', { subscriber: id });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  assert.match(res.json.token, /^st_/);
  return `Bearer ${res.json.token as string}`;
}

/** Sends one in-app notification; returns its id. */
async function notify(id: string, n: number, r: PushRig = rig): Promise<string> {
  const res = await r.call('POST', '/v1/notify', { template: 'inbox-hello', category: 'inbox-news', to: { subscribers: [id] }, channels: ['inapp'], data: { n: String(n) } });
  assert.equal(res.status, 202, JSON.stringify(res.json));
  return res.json.id as string;
}

async function inboxSize(id: string, r: PushRig = rig): Promise<number> {
  return ((await r.call('GET', `/v1/subscribers/${id}/inbox?limit=200`)).json.items as unknown[]).length;
}

/** Sends `count` notifications one after the other (each in the inbox before the next). */
async function fill(id: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 1; n <= count; n++) {
    ids.push(await notify(id, n));
    await eventually(`item ${n} in the inbox`, async () => (await inboxSize(id)) === n);
  }
  return ids;
}

interface SseEvent { event: string; data: any }

/** Reads Server-Sent Events off a line stream, skipping comments (keepalives) on the way. */
function sse(stream: LineStream): { next(timeoutMs?: number): Promise<SseEvent> } {
  return {
    async next(timeoutMs?: number): Promise<SseEvent> {
      let event = 'message';
      const data: string[] = [];
      for (;;) {
        const [line] = await stream.next(1, timeoutMs);
        if (line === '') {
          if (data.length > 0) return { event, data: JSON.parse(data.join('\n')) };
          event = 'message';
        } else if (line!.startsWith('event: ')) {
          event = line!.slice('event: '.length);
        } else if (line!.startsWith('data: ')) {
          data.push(line!.slice('data: '.length));
        }
      }
    },
  };
}

/** Reads what is left on the stream and expects the server to have ended it (not a timeout). */
async function ended(stream: LineStream): Promise<void> {
  for (;;) {
    try {
      await stream.next(1);
    } catch (err) {
      assert.match((err as Error).message, /stream ended/);
      return;
    }
  }
}

/** The `?auth=` form of a credential: base64url of the whole Authorization header value. */
function authParam(header: string): string {
  return Buffer.from(header, 'utf8').toString('base64url');
}

describe('in-app inbox API', () => {
  it('lists newest first with every field, pages with next_cursor, filters unread, and refuses bad queries', async () => {
    const id = await subscriber();
    const st = await tokenFor(id);
    const sent = await fill(id, 5);

    const all = await rig.call('GET', `/v1/subscribers/${id}/inbox`, undefined, st);
    assert.equal(all.status, 200, JSON.stringify(all.json));
    assert.equal(all.json.unread, 5);
    assert.equal(all.json.next_cursor, undefined, 'everything fits on the first page');
    assert.deepEqual(all.json.items.map((i: { title: string }) => i.title), ['Hello 5', 'Hello 4', 'Hello 3', 'Hello 2', 'Hello 1']);
    const newest = all.json.items[0];
    assert.match(newest.id, /^inb_/);
    assert.equal(newest.notification_id, sent[4]);
    assert.equal(newest.category, 'inbox-news');
    assert.equal(newest.body, 'Item 5');
    assert.equal(newest.url, 'https://example.com/items/5');
    assert.deepEqual(newest.data, { n: '5' });
    assert.match(newest.created_at, ISO);
    for (const field of ['seen_at', 'read_at', 'archived_at']) assert.equal(newest[field], undefined, field);

    // Paging: limit=2 gives 5,4 | 3,2 | 1 and no cursor after the last page.
    const titles: string[][] = [];
    let cursor = '';
    for (;;) {
      const page = await rig.call('GET', `/v1/subscribers/${id}/inbox?limit=2&cursor=${encodeURIComponent(cursor)}`, undefined, st);
      assert.equal(page.status, 200, JSON.stringify(page.json));
      titles.push(page.json.items.map((i: { title: string }) => i.title));
      if (!page.json.next_cursor) break;
      assert.equal(page.json.next_cursor, page.json.items.at(-1).id, 'the cursor is the last item of the page');
      cursor = page.json.next_cursor;
      assert.ok(titles.length < 5, 'paging ends');
    }
    assert.deepEqual(titles, [['Hello 5', 'Hello 4'], ['Hello 3', 'Hello 2'], ['Hello 1']]);
    const exact = await rig.call('GET', `/v1/subscribers/${id}/inbox?limit=5`, undefined, st);
    assert.equal(exact.json.items.length, 5);
    assert.equal(exact.json.next_cursor, undefined, 'a page that ends exactly at the last item has no cursor');

    // Unread filter.
    const item4 = all.json.items[1].id as string;
    assert.equal((await rig.call('PATCH', `/v1/subscribers/${id}/inbox/${item4}`, { read: true }, st)).status, 200);
    const unread = await rig.call('GET', `/v1/subscribers/${id}/inbox?unread=true`, undefined, st);
    assert.deepEqual(unread.json.items.map((i: { title: string }) => i.title), ['Hello 5', 'Hello 3', 'Hello 2', 'Hello 1']);
    assert.equal(unread.json.unread, 4);
    const both = await rig.call('GET', `/v1/subscribers/${id}/inbox?unread=false`, undefined, st);
    assert.equal(both.json.items.length, 5, 'unread=false lists read and unread items');
    const unreadPage = await rig.call('GET', `/v1/subscribers/${id}/inbox?unread=true&limit=1&cursor=${all.json.items[0].id}`, undefined, st);
    assert.deepEqual(unreadPage.json.items.map((i: { title: string }) => i.title), ['Hello 3'], 'the filter applies after the cursor too');
    assert.equal(unreadPage.json.next_cursor, unreadPage.json.items[0].id);

    for (const [query, word] of [
      ['limit=0', 'limit'], ['limit=201', 'limit'], ['limit=abc', 'limit'], ['limit=-1', 'limit'], ['limit=2.5', 'limit'],
      ['unread=yes', 'unread'], ['archived=1', 'archived'], ['unread=true&unread=false', 'unread'],
      ['cursor=inb_nothing', 'cursor'], [`cursor=${'x'.repeat(200)}`, 'cursor'],
    ] as const) {
      const res = await rig.call('GET', `/v1/subscribers/${id}/inbox?${query}`, undefined, st);
      assert.equal(res.status, 400, query);
      assert.equal(res.json.code, 40000, query);
      assert.ok(res.json.error.includes(word), `${query}: ${res.json.error}`);
    }
    assert.equal((await rig.call('GET', `/v1/subscribers/${id}/inbox?limit=200`, undefined, st)).status, 200, 'the maximum limit is allowed');
    assert.equal((await rig.call('GET', '/v1/subscribers/nobody-here/inbox')).json.code, 40406, 'an unknown subscriber is a 404');
  });

  it('patches read, seen and archived with their times, keeps first times, and hides archived items by default', async () => {
    const id = await subscriber();
    const st = await tokenFor(id);
    await fill(id, 2);
    const [second, first] = (await rig.call('GET', `/v1/subscribers/${id}/inbox`, undefined, st)).json.items as { id: string }[];
    const path = `/v1/subscribers/${id}/inbox/${first!.id}`;

    const read = await rig.call('PATCH', path, { read: true }, st);
    assert.equal(read.status, 200, JSON.stringify(read.json));
    assert.equal(read.json.id, first!.id);
    assert.equal(read.json.title, 'Hello 1');
    assert.match(read.json.read_at, ISO);
    assert.equal(read.json.seen_at, read.json.read_at, 'reading an item marks it seen');
    assert.equal(read.json.archived_at, undefined);
    assert.equal((await rig.call('GET', `/v1/subscribers/${id}/inbox`, undefined, st)).json.unread, 1);

    await eventually('the clock to pass the first read', () => Date.now() > Date.parse(read.json.read_at));
    const again = await rig.call('PATCH', path, { read: true, seen: true }, st);
    assert.equal(again.json.read_at, read.json.read_at, 'a second read keeps the first read time');
    assert.equal(again.json.seen_at, read.json.seen_at, 'a second seen keeps the first seen time');

    const unread = await rig.call('PATCH', path, { read: false }, st);
    assert.equal(unread.json.read_at, undefined);
    assert.equal(unread.json.seen_at, read.json.seen_at, 'marking unread leaves it seen');
    const unseen = await rig.call('PATCH', path, { seen: false }, st);
    assert.equal(unseen.json.seen_at, undefined);
    const seen = await rig.call('PATCH', path, { seen: true }, st);
    assert.match(seen.json.seen_at, ISO);
    assert.equal(seen.json.read_at, undefined, 'seen is not read');
    assert.equal((await rig.call('GET', `/v1/subscribers/${id}/inbox`, undefined, st)).json.unread, 2);

    const archived = await rig.call('PATCH', `/v1/subscribers/${id}/inbox/${second!.id}`, { archived: true }, st);
    assert.match(archived.json.archived_at, ISO);
    const listed = await rig.call('GET', `/v1/subscribers/${id}/inbox`, undefined, st);
    assert.deepEqual(listed.json.items.map((i: { id: string }) => i.id), [first!.id], 'archived items are hidden by default');
    assert.equal(listed.json.unread, 1, 'an archived item is not counted unread');
    const onlyArchived = await rig.call('GET', `/v1/subscribers/${id}/inbox?archived=true`, undefined, st);
    assert.deepEqual(onlyArchived.json.items.map((i: { id: string }) => i.id), [second!.id]);
    assert.equal((await rig.call('GET', `/v1/subscribers/${id}/inbox?archived=false`, undefined, st)).json.items.length, 1);
    const restored = await rig.call('PATCH', `/v1/subscribers/${id}/inbox/${second!.id}`, { archived: false }, st);
    assert.equal(restored.json.archived_at, undefined);
    assert.equal((await rig.call('GET', `/v1/subscribers/${id}/inbox`, undefined, st)).json.items.length, 2);

    // Bad bodies are 400s naming the problem; the item is unchanged.
    for (const [body, word] of [
      [{}, 'at least one'], [{ read: 'yes' }, 'read'], [{ seen: 1 }, 'seen'], [{ archived: null }, 'archived'],
      [{ read: true, starred: true }, 'starred'], ['{"read": tru', 'JSON'], ['[true]', ''], ['null', ''],
    ] as const) {
      const res = await rig.call('PATCH', path, body, st);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.json.http, 400);
      assert.ok(res.json.error.includes(word), `${JSON.stringify(body)}: ${res.json.error}`);
    }
    assert.equal((await rig.call('GET', `/v1/subscribers/${id}/inbox?unread=true`, undefined, st)).json.items.length, 2);

    const missing = await rig.call('PATCH', `/v1/subscribers/${id}/inbox/inb_nothing`, { read: true }, st);
    assert.equal(missing.status, 404);
    assert.equal(missing.json.code, 40410);
  });

  it('read-all marks every unread item read and answers the count', async () => {
    const id = await subscriber();
    const st = await tokenFor(id);
    await fill(id, 3);
    const res = await rig.call('POST', `/v1/subscribers/${id}/inbox/read-all`, undefined, st);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(res.json, { updated: 3, unread: 0 });
    const listed = await rig.call('GET', `/v1/subscribers/${id}/inbox`, undefined, st);
    assert.equal(listed.json.unread, 0);
    for (const item of listed.json.items) {
      assert.match(item.read_at, ISO);
      assert.match(item.seen_at, ISO);
    }
    assert.equal((await rig.call('GET', `/v1/subscribers/${id}/inbox?unread=true`, undefined, st)).json.items.length, 0);
    assert.deepEqual((await rig.call('POST', `/v1/subscribers/${id}/inbox/read-all`, undefined, st)).json, { updated: 0, unread: 0 });
  });

  it("keeps subscribers apart: another subscriber's item is a 404, another subscriber's token a 401", async () => {
    const ann = await subscriber();
    const bob = await subscriber();
    const annToken = await tokenFor(ann);
    const bobToken = await tokenFor(bob);
    await fill(ann, 1);
    const annItem = (await rig.call('GET', `/v1/subscribers/${ann}/inbox`, undefined, annToken)).json.items[0].id as string;

    // Bob, on his own inbox, names Ann's item: not his, so not found (with his token or a key).
    for (const auth of [bobToken, rig.admin]) {
      const res = await rig.call('PATCH', `/v1/subscribers/${bob}/inbox/${annItem}`, { read: true }, auth);
      assert.equal(res.status, 404);
      assert.equal(res.json.code, 40410);
    }
    // Bob's token on Ann's inbox: refused, on every route.
    for (const [method, path, body] of [
      ['GET', `/v1/subscribers/${ann}/inbox`, undefined],
      ['PATCH', `/v1/subscribers/${ann}/inbox/${annItem}`, { read: true }],
      ['POST', `/v1/subscribers/${ann}/inbox/read-all`, undefined],
      ['GET', `/v1/subscribers/${ann}/inbox/stream`, undefined],
    ] as const) {
      const res = await rig.call(method, path, body, bobToken);
      assert.equal(res.status, 401, `${method} ${path}`);
      assert.equal(res.json.code, 40101);
      assert.equal((await rig.call(method, path, body, '')).status, 401, `${method} ${path} without credentials`);
    }
    const stream = await openStream(`${rig.server.url}/v1/subscribers/${ann}/inbox/stream?auth=${authParam(bobToken)}`);
    assert.equal(stream.status, 401, 'the ?auth= form is checked the same way');
    stream.close();
    assert.equal((await rig.call('GET', `/v1/subscribers/${ann}/inbox?unread=true`, undefined, annToken)).json.items.length, 1, 'nothing changed for Ann');

    // API keys: subscribers:read may list, not change.
    const reader = await rig.key(['subscribers:read']);
    assert.equal((await rig.call('GET', `/v1/subscribers/${ann}/inbox`, undefined, reader)).status, 200);
    const refused = await rig.call('PATCH', `/v1/subscribers/${ann}/inbox/${annItem}`, { read: true }, reader);
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    assert.equal((await rig.call('POST', `/v1/subscribers/${ann}/inbox/read-all`, undefined, reader)).status, 403);
  });

  it('streams over SSE with ?auth=: the unread count on open, new items live, and the count after read-all', async () => {
    const id = await subscriber();
    const st = await tokenFor(id);
    await fill(id, 1);
    // A browser's EventSource: no headers, the credential in the query string.
    const stream = await openStream(`${rig.server.url}/v1/subscribers/${id}/inbox/stream?auth=${authParam(st)}`);
    try {
      assert.equal(stream.status, 200);
      assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
      assert.equal(stream.headers['cache-control'], 'no-cache');
      const events = sse(stream);
      assert.deepEqual(await events.next(), { event: 'unread', data: { unread: 1 } });

      const sent = await notify(id, 2);
      const item = await events.next();
      assert.equal(item.event, 'item');
      assert.equal(item.data.unread, 2);
      assert.equal(item.data.item.notification_id, sent);
      assert.equal(item.data.item.title, 'Hello 2');
      assert.equal(item.data.item.body, 'Item 2');
      assert.match(item.data.item.id, /^inb_/);
      assert.match(item.data.item.created_at, ISO);
      const listed = await rig.call('GET', `/v1/subscribers/${id}/inbox`, undefined, st);
      assert.equal(listed.json.items[0].id, item.data.item.id, 'the streamed item is the stored one');

      assert.equal((await rig.call('PATCH', `/v1/subscribers/${id}/inbox/${item.data.item.id}`, { read: true }, st)).status, 200);
      assert.deepEqual(await events.next(), { event: 'unread', data: { unread: 1 } }, 'reading one item moves the count');
      assert.equal((await rig.call('POST', `/v1/subscribers/${id}/inbox/read-all`, undefined, st)).json.updated, 1);
      assert.deepEqual(await events.next(), { event: 'unread', data: { unread: 0 } });

      // Idle: keepalive comments (the rig's keepalive-interval is 300 ms).
      assert.deepEqual(await stream.next(2), [': keepalive', ''], 'an idle stream gets a keepalive comment');
    } finally {
      stream.close();
    }
  });

  // The timeout turns a stop that hangs on open streams into a failure rather than a stuck run.
  it('releases a stream when the client goes away, and ends open streams when the server stops', { timeout: 120_000 }, async () => {
    // Subscription slots are per visitor here (no exempt hosts), so a stream that is not let go shows.
    // A stop that waited for the inbox streams instead of ending them would sit out this timeout.
    const local = await startPushRig({ 'visitor-request-limit-exempt-hosts': '', 'visitor-subscription-limit': '2', 'shutdown-timeout': '1h' });
    try {
      await defineTemplate(local);
      const id = await subscriber(local);
      const auth = authParam(await tokenFor(id, local));
      const url = `${local.server.url}/v1/subscribers/${id}/inbox/stream?auth=${auth}`;
      const a = await openStream(url);
      const b = await openStream(url);
      assert.deepEqual([a.status, b.status], [200, 200]);
      const third = await openStream(url);
      assert.equal(third.status, 429, 'the visitor has no slot left');
      third.close();
      a.close();
      await eventually('the closed stream gives its slot back', async () => {
        const c = await openStream(url);
        c.close();
        return c.status === 200;
      });

      const open = await openStream(url);
      assert.equal(open.status, 200);
      const events = sse(open);
      assert.deepEqual(await events.next(), { event: 'unread', data: { unread: 0 } });
      // Items delivered after a client left still land (no listener left behind to trip over).
      await notify(id, 1, local);
      assert.equal((await events.next()).event, 'item');
      await eventually('the item stored', async () => (await inboxSize(id, local)) === 1);

      const stopped = local.server.stop();
      await ended(open);
      await ended(b);
      await stopped;
    } finally {
      await local.close();
    }
  });
});
