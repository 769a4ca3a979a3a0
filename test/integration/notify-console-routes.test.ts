import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startPushRig, type PushRig } from '../helpers/push-rig.js';

let rig: PushRig;
before(async () => (rig = await startPushRig()));
after(() => rig.close());

const DRAFT = {
  default_locale: 'en',
  channels: {
    push: { title: 'Order {{ order }} shipped', body: 'Hi {{ subscriber.name }}' },
    email: { subject: 'Your order {{ order }}', html: '<p>Hello {{ subscriber.name }}, {{ note }}</p>' },
    sms: { text: 'Order {{ order }}' },
  },
  locales: { fr: { push: { title: 'Commande {{ order }} expédiée' } } },
};

describe('notify routes of the admin console', () => {
  it('lists subscribers page by page and searches them by id, e-mail, name or phone', async () => {
    for (const [id, body] of [
      ['list-ann', { name: 'Ann Lee', email: 'ann@example.com' }],
      ['list-bob', { name: 'Bob', phone: '+14155550100' }],
      ['list-cy', { email: 'CY@Example.org' }],
    ] as const) assert.equal((await rig.call('PUT', `/v1/subscribers/${id}`, body)).status, 201);

    const first = await rig.call('GET', '/v1/subscribers?limit=2');
    assert.equal(first.status, 200, JSON.stringify(first.json));
    assert.deepEqual(first.json.subscribers.map((s: { id: string }) => s.id), ['list-ann', 'list-bob']);
    assert.equal(first.json.next_cursor, 'list-bob');
    const second = await rig.call('GET', `/v1/subscribers?limit=2&cursor=${first.json.next_cursor}`);
    assert.deepEqual(second.json.subscribers.map((s: { id: string }) => s.id), ['list-cy']);
    assert.equal(second.json.next_cursor, undefined);

    const search = async (q: string) => (await rig.call('GET', `/v1/subscribers?q=${encodeURIComponent(q)}`)).json.subscribers.map((s: { id: string }) => s.id);
    assert.deepEqual(await search('lee'), ['list-ann']);
    assert.deepEqual(await search('example.ORG'), ['list-cy']);
    assert.deepEqual(await search('555010'), ['list-bob']);
    assert.deepEqual(await search('nobody-like-this'), []);
    assert.equal((await rig.call('GET', '/v1/subscribers?limit=0')).status, 400);

    const reader = await rig.key(['subscribers:read']);
    assert.equal((await rig.call('GET', '/v1/subscribers', undefined, reader)).status, 200);
    const other = await rig.key(['notify:read']);
    assert.equal((await rig.call('GET', '/v1/subscribers', undefined, other)).status, 403);
  });

  it('renders a template draft channel by channel and places a parse error at its field, locale, line and column', async () => {
    const ok = await rig.call('POST', '/v1/templates/preview', { template: DRAFT, locale: 'fr-CA', data: { order: '42', note: '<b>fragile</b>' } });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.equal(ok.json.locale, 'fr');
    assert.equal(ok.json.channels.push.title, 'Commande 42 expédiée');
    assert.equal(ok.json.channels.email.html, '<p>Hello , &lt;b&gt;fragile&lt;/b&gt;</p>', 'HTML is escaped by the real engine');
    assert.deepEqual(ok.json.channels.sms, { text: 'Order 42', segments: 1, encoding: 'GSM-7' });
    assert.deepEqual(ok.json.problems, []);

    await rig.call('PUT', '/v1/subscribers/draft-zoe', { name: 'Zoé', locale: 'en' });
    const forZoe = await rig.call('POST', '/v1/templates/preview', { template: DRAFT, subscriber: 'draft-zoe', data: { order: '7' } });
    assert.equal(forZoe.json.locale, 'en');
    assert.equal(forZoe.json.channels.push.body, 'Hi Zoé');

    const broken = {
      ...DRAFT,
      channels: { ...DRAFT.channels, email: { subject: 'Your order', html: '<p>\n  line two\n  {% if order %} never closed\n</p>' } },
      locales: { fr: { push: { title: 'Commande {{ order ' } } },
    };
    const res = await rig.call('POST', '/v1/templates/preview', { template: broken, data: { order: '42' } });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(Object.keys(res.json.channels), ['sms'], 'the channels that parse still render');
    const email = res.json.problems.find((p: { channel: string }) => p.channel === 'email');
    assert.equal(email.kind, 'parse');
    assert.equal(email.field, 'html');
    assert.equal(email.locale, 'en');
    assert.equal(email.line, 3);
    assert.equal(typeof email.message, 'string');
    const push = res.json.problems.find((p: { channel: string }) => p.channel === 'push');
    assert.deepEqual([push.kind, push.field, push.locale, push.line], ['parse', 'title', 'fr', 1]);

    const shape = await rig.call('POST', '/v1/templates/preview', { template: { channels: { sms: {} } } });
    assert.equal(shape.status, 200);
    assert.deepEqual(shape.json.problems.map((p: { kind: string; channel: string }) => [p.kind, p.channel]), [['shape', 'sms']]);

    for (const body of [
      { template: 'text' }, { template: { channels: {} } }, { template: { channels: { fax: { text: 'x' } } } },
      { template: { default_locale: 'not a locale!', channels: { sms: { text: 'x' } } } }, { template: DRAFT, locale: '??' }, { template: DRAFT, extra: 1 },
    ]) {
      const bad = await rig.call('POST', '/v1/templates/preview', body);
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.equal(bad.json.http, 400);
    }
    assert.equal((await rig.call('POST', '/v1/templates/preview', { template: DRAFT, subscriber: 'nobody-here' })).status, 404);
    const reader = await rig.key(['templates:read']);
    assert.equal((await rig.call('POST', '/v1/templates/preview', { template: DRAFT }, reader)).status, 200);
    const other = await rig.key(['subscribers:read']);
    assert.equal((await rig.call('POST', '/v1/templates/preview', { template: DRAFT }, other)).status, 403);
  });

  it('lists notifications newest first with their state and counts, and only the categories a key may see', async () => {
    await rig.call('PUT', '/v1/categories/console-a', { channels: ['inapp'] });
    await rig.call('PUT', '/v1/categories/console-b', { channels: ['inapp'] });
    await rig.call('PUT', '/v1/templates/console-t', { channels: { inapp: { body: 'Hello {{ subscriber.id }}' } } });
    await rig.call('PUT', '/v1/subscribers/console-1', {});
    const sent: string[] = [];
    for (const category of ['console-a', 'console-b', 'console-a']) {
      const res = await rig.call('POST', '/v1/notify', { template: 'console-t', category, to: { subscribers: ['console-1'] } });
      assert.equal(res.status, 202, JSON.stringify(res.json));
      sent.push(res.json.id);
    }
    await eventually('the three notifications to be done', async () => {
      const list = await rig.call('GET', '/v1/notify?limit=3');
      assert.equal(list.status, 200, JSON.stringify(list.json));
      assert.deepEqual(list.json.notifications.map((n: { id: string }) => n.id), [...sent].reverse());
      return list.json.notifications.every((n: { state: string; counts: Record<string, number> }) => n.state === 'done' && n.counts.sent === 1);
    });
    const page = await rig.call('GET', '/v1/notify?limit=1');
    assert.equal(page.json.next_cursor, sent[2]);
    const next = await rig.call('GET', `/v1/notify?limit=1&cursor=${page.json.next_cursor}`);
    assert.deepEqual(next.json.notifications.map((n: { id: string }) => n.id), [sent[1]]);
    assert.equal((await rig.call('GET', '/v1/notify?cursor=n_nothing')).status, 400);

    const scoped = await rig.key(['notify:read'], ['console-b']);
    const mine = await rig.call('GET', '/v1/notify', undefined, scoped);
    assert.deepEqual(mine.json.notifications.map((n: { id: string }) => n.id), [sent[1]]);
    assert.equal((await rig.call('GET', '/v1/notify', undefined, await rig.key(['templates:read']))).status, 403);
  });
});
