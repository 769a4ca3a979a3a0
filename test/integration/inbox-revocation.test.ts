import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openAuth } from '../../src/main.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { startPushRig, type PushRig } from '../helpers/push-rig.js';
import { openStream, type LineStream } from '../helpers/streams.js';
import { randomTopic } from '../helpers/server.js';

/**
 * An open inbox stream ends when the credential that opened it stops being valid: a revoked key,
 * a key rotated out (at once, or at the end of its overlap), a deleted admin user, a deleted or
 * expired user token. Subscriber-token streams are not touched by any of it.
 */
let rig: PushRig;
const clock = new ManualClock(Date.now());
const basic = (user: string) => `Basic ${Buffer.from(`${user}:${user}-pass`).toString('base64')}`;

before(async () => {
  // The hourly housekeeping pass also drops expired tokens; here it never runs, so an expiry can
  // only end a stream through the expiry guard itself.
  rig = await startPushRig({ 'auth-file': 'auth.db', 'api-key-request-limit-burst': '100000', 'manager-interval': '1h' }, { clock });
  const accounts = (await openAuth(rig.server.config))!;
  try {
    for (const name of ['boss', 'ops', 'night']) await accounts.auth.addUser(name, `${name}-pass`, 'admin');
  } finally {
    await accounts.close();
  }
  assert.equal((await rig.call('PUT', '/v1/categories/revocation-news', { channels: ['inapp'] })).status, 200);
  const put = await rig.call('PUT', '/v1/templates/revocation-note', { category: 'revocation-news', channels: { inapp: { title: 'Note', body: 'n {{ n }}' } } });
  assert.equal(put.status, 201, JSON.stringify(put.json));
});
after(() => rig.close());

async function subscriber(): Promise<string> {
  const id = `revoc-${randomBytes(5).toString('hex')}`;
  assert.equal((await rig.call('PUT', `/v1/subscribers/${id}`, {})).status, 201);
  return id;
}

async function notify(id: string, n: number): Promise<void> {
  const res = await rig.call('POST', '/v1/notify', { template: 'revocation-note', to: { subscribers: [id] }, channels: ['inapp'], data: { n: String(n) } });
  assert.equal(res.status, 202, JSON.stringify(res.json));
}

/** SSE events of a stream (comments and blank lines skipped); rejects once the stream has ended. */
async function nextEvent(stream: LineStream): Promise<string> {
  for (;;) {
    const [line] = await stream.next(1, 30_000);
    if (line!.startsWith('event: ')) return line!.slice('event: '.length);
  }
}

async function open(id: string, auth: string): Promise<LineStream> {
  const stream = await openStream(`${rig.server.url}/v1/subscribers/${id}/inbox/stream`, { Authorization: auth });
  assert.equal(stream.status, 200);
  assert.equal(await nextEvent(stream), 'unread');
  return stream;
}

/** Resolves once the server has ended the stream; fails if it is still open (keepalives and all) after a generous deadline. */
async function ended(stream: LineStream): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) assert.fail('the stream is still open');
    try {
      await stream.next(1, left);
    } catch (err) {
      if (/timed out/.test((err as Error).message)) assert.fail('the stream is still open');
      assert.match((err as Error).message, /stream ended/);
      return;
    }
  }
}

/** A live item arrives on the stream: it is still open. */
async function stillDelivers(stream: LineStream, id: string, n: number): Promise<void> {
  await notify(id, n);
  assert.equal(await nextEvent(stream), 'item');
}

async function newKey(): Promise<{ id: string; bearer: string }> {
  const res = await rig.call('POST', '/v1/keys', { name: 'inbox-reader', scopes: ['subscribers:read'] });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return { id: res.json.id, bearer: `Bearer ${res.json.key as string}` };
}

describe('inbox streams end with their credential', () => {
  it('revoking the key that opened a stream ends it; a subscriber-token stream stays', async () => {
    const id = await subscriber();
    const key = await newKey();
    const byKey = await open(id, key.bearer);
    const token = (await rig.call('POST', '/v1/subscriber-tokens', { subscriber: id })).json.token as string;
    const bySubscriber = await open(id, `Bearer ${token}`);
    try {
      await stillDelivers(byKey, id, 1);
      assert.equal(await nextEvent(bySubscriber), 'item');
      assert.equal((await rig.call('DELETE', `/v1/keys/${key.id}`)).status, 200);
      await ended(byKey);
      await stillDelivers(bySubscriber, id, 2);
    } finally {
      byKey.close();
      bySubscriber.close();
    }
  });

  it('a rotated key\'s streams end when its overlap ends (at once with no overlap)', async () => {
    const id = await subscriber();
    const overlapping = await newKey();
    const immediate = await newKey();
    const a = await open(id, overlapping.bearer);
    const b = await open(id, immediate.bearer);
    try {
      assert.equal((await rig.call('POST', `/v1/keys/${overlapping.id}/rotate`, { overlap: '1h' })).status, 200);
      assert.equal((await rig.call('POST', `/v1/keys/${immediate.id}/rotate`, { overlap: '0s' })).status, 200);
      await ended(b);
      await stillDelivers(a, id, 1);
      clock.advance(3600_000 + 1000);
      await ended(a);
    } finally {
      a.close();
      b.close();
    }
  });

  it('deleting the admin user that opened a stream ends it', async () => {
    const id = await subscriber();
    const stream = await open(id, basic('ops'));
    try {
      await stillDelivers(stream, id, 1);
      const res = await fetch(`${rig.server.url}/v1/users`, { method: 'DELETE', headers: { Authorization: basic('boss') }, body: JSON.stringify({ username: 'ops' }) });
      assert.equal(res.status, 200, await res.text());
      await ended(stream);
    } finally {
      stream.close();
    }
  });

  it('a user token\'s streams end when the token is deleted or expires', async () => {
    const id = await subscriber();
    const create = async (expires?: number) => {
      const res = await fetch(`${rig.server.url}/v1/account/token`, {
        method: 'POST', headers: { Authorization: basic('night') }, body: JSON.stringify(expires === undefined ? {} : { expires }),
      });
      assert.equal(res.status, 200);
      return `Bearer ${(await res.json() as { token: string }).token}`;
    };
    const deleted = await create();
    const expiring = await create(Math.floor(clock.now() / 1000) + 600);
    const a = await open(id, deleted);
    const b = await open(id, expiring);
    try {
      const res = await fetch(`${rig.server.url}/v1/account/token`, { method: 'DELETE', headers: { Authorization: deleted } });
      assert.equal(res.status, 200, await res.text());
      await ended(a);
      await stillDelivers(b, id, 1);
      clock.advance(600_000 + 1000);
      await ended(b);
    } finally {
      a.close();
      b.close();
    }
  });
  it('erasing the subscriber ends its inbox streams', async () => {
    const id = await subscriber();
    const token = (await rig.call('POST', '/v1/subscriber-tokens', { subscriber: id })).json.token as string;
    const stream = await open(id, `Bearer ${token}`);
    try {
      await stillDelivers(stream, id, 1);
      assert.equal((await rig.call('DELETE', `/v1/subscribers/${id}`)).status, 200);
      await ended(stream);
    } finally {
      stream.close();
    }
  });
});

describe('topic streams end when the user token that opened them expires', () => {
  it('an expired token ends its stream; a token extended in time keeps its own', async () => {
    const token = async (expires: number) => {
      const res = await fetch(`${rig.server.url}/v1/account/token`, { method: 'POST', headers: { Authorization: basic('night') }, body: JSON.stringify({ expires }) });
      assert.equal(res.status, 200);
      return (await res.json() as { token: string }).token;
    };
    const nowSec = () => Math.floor(clock.now() / 1000);
    const [expiring, extended, sentinel] = [await token(nowSec() + 600), await token(nowSec() + 600), await token(nowSec() + 600)];
    const topic = randomTopic();
    const open = async (t: string) => {
      const stream = await openStream(`${rig.server.url}/${topic}/json`, { Authorization: `Bearer ${t}` });
      assert.equal(stream.status, 200);
      assert.equal(JSON.parse((await stream.next())[0]!).event, 'open');
      return stream;
    };
    const a = await open(expiring);
    const b = await open(extended);
    const last = await open(sentinel);
    try {
      const patch = await fetch(`${rig.server.url}/v1/account/token`, {
        method: 'PATCH', headers: { Authorization: basic('night') }, body: JSON.stringify({ token: extended, expires: nowSec() + 7200 }),
      });
      assert.equal(patch.status, 200, await patch.text());
      // A barrier, so that no access re-check of earlier writes can run after the clock moves:
      // a deleted token is noticed by the auth watcher, which re-checks the streams in the order
      // they opened; once the stream opened last has ended, the others were re-checked before.
      const gone = await fetch(`${rig.server.url}/v1/account/token`, { method: 'DELETE', headers: { Authorization: basic('night'), 'X-Token': sentinel } });
      assert.equal(gone.status, 200, await gone.text());
      await ended(last);

      clock.advance(600_000 + 1000);
      await ended(a);
      // The extended token's stream still receives.
      assert.equal((await fetch(`${rig.server.url}/${topic}`, { method: 'POST', body: 'still here', headers: { Authorization: basic('night') } })).status, 200);
      const [line] = await b.next();
      assert.equal(JSON.parse(line!).message, 'still here');
    } finally {
      a.close();
      b.close();
      last.close();
    }
  });
});
