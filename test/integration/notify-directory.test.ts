import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { assertNothingHolds } from '../helpers/erasure.js';
import { startPushRig, type PushRig } from '../helpers/push-rig.js';

let rig: PushRig;
before(async () => (rig = await startPushRig()));
after(() => rig.close());

const ORDER_TEMPLATE = {
  category: 'orders',
  default_locale: 'en',
  channels: {
    push: { title: 'Order {{ order }} shipped', body: 'Hi {{ subscriber.name }}, it is on its way' },
    email: { subject: 'Your order {{ order }}', html: '<p>Hello {{ subscriber.name }}, note: {{ note }}</p>' },
    sms: { text: 'Order {{ order }} shipped' },
  },
  locales: { fr: { push: { title: 'Commande {{ order }} expédiée' } } },
};

describe('notify directory API', () => {
  it('creates and replaces subscribers, refusing bad fields with the error shape', async () => {
    const put = await rig.call('PUT', '/v1/subscribers/user-123', { email: 'ann@example.com', phone: '+14155550100', name: 'Ann', locale: 'fr-ca', timezone: 'America/Toronto', data: { plan: 'pro' } });
    assert.equal(put.status, 201, JSON.stringify(put.json));
    assert.equal(put.json.locale, 'fr-CA');
    assert.equal((await rig.call('PUT', '/v1/subscribers/user-123', { email: 'ann@example.com', name: 'Ann B' })).status, 200);
    const got = await rig.call('GET', '/v1/subscribers/user-123');
    assert.deepEqual([got.json.name, got.json.phone], ['Ann B', undefined]);
    for (const [body, word] of [
      [{ phone: '4155550100' }, 'E.164'], [{ email: 'not-an-address' }, 'e-mail'], [{ timezone: 'Mars/Olympus' }, 'IANA'],
      [{ locale: 'x' }, 'BCP 47'], [{ surname: 'x' }, ''], [{ data: [] }, ''],
    ] as const) {
      const res = await rig.call('PUT', '/v1/subscribers/u-bad', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.json.http, 400);
      assert.ok(typeof res.json.code === 'number' && res.json.error.includes(word), res.json.error);
    }
    assert.equal((await rig.call('GET', '/v1/subscribers/nobody')).json.code, 40406);
  });

  it('stores categories and templates, refuses a template that does not parse at PUT, and previews every channel', async () => {
    assert.equal((await rig.call('PUT', '/v1/templates/order-shipped', ORDER_TEMPLATE)).json.code, 40407, 'the category must exist first');
    const cat = await rig.call('PUT', '/v1/categories/orders', { description: 'Order updates', channels: ['push', 'email', 'sms'], critical: false });
    assert.equal(cat.status, 200, JSON.stringify(cat.json));
    assert.equal((await rig.call('PUT', '/v1/categories/digested', { channels: ['email'], digest: { window: '1h' } })).json.digest.window_ms, 3_600_000);
    assert.equal((await rig.call('PUT', '/v1/categories/bad', { channels: ['fax'] })).status, 400);
    assert.equal((await rig.call('PUT', '/v1/categories/bad', { digest: { window: '1s' } })).status, 400);

    const broken = await rig.call('PUT', '/v1/templates/broken', { ...ORDER_TEMPLATE, channels: { ...ORDER_TEMPLATE.channels, sms: { text: 'Order {% if order %} never closed' } } });
    assert.equal(broken.status, 400);
    assert.match(broken.json.error, /sms\.text/);
    assert.equal((await rig.call('GET', '/v1/templates/broken')).status, 404, 'nothing is stored for a refused template');

    const put = await rig.call('PUT', '/v1/templates/order-shipped', ORDER_TEMPLATE);
    assert.equal(put.status, 201, JSON.stringify(put.json));
    assert.deepEqual((await rig.call('GET', '/v1/templates')).json.templates, ['order-shipped']);

    await rig.call('PUT', '/v1/subscribers/preview-1', { name: 'Zoé', locale: 'fr-CA' });
    const preview = await rig.call('POST', '/v1/templates/order-shipped/preview', { subscriber: 'preview-1', data: { order: '42', note: '<script>x</script>' } });
    assert.equal(preview.status, 200, JSON.stringify(preview.json));
    assert.equal(preview.json.locale, 'fr');
    assert.equal(preview.json.channels.push.title, 'Commande 42 expédiée');
    assert.equal(preview.json.channels.push.body, 'Hi Zoé, it is on its way', 'a field the locale does not override falls back');
    assert.ok(preview.json.channels.email.html.includes('&lt;script&gt;'), preview.json.channels.email.html);
    assert.equal(preview.json.channels.sms.text, 'Order 42 shipped');
    const en = await rig.call('POST', '/v1/templates/order-shipped/preview', { locale: 'de', data: { order: '7' } });
    assert.equal(en.json.channels.push.title, 'Order 7 shipped');
  });

  it('erases a subscriber: devices, topics and every row naming it, and exports everything first', async () => {
    const id = `gdpr-${randomBytes(4).toString('hex')}`;
    await rig.call('PUT', `/v1/subscribers/${id}`, { email: `${id}@example.com`, phone: '+14155550123', name: 'Erik Erasure' });
    const token = randomBytes(32).toString('hex');
    assert.equal((await rig.call('POST', '/v1/devices', { provider: 'apns', token, user: id })).status, 201);
    await rig.call('PUT', `/v1/users/${id}/topics`, { topics: ['gdpr-news'] });
    const exported = await rig.call('GET', `/v1/subscribers/${id}/export`);
    assert.equal(exported.status, 200);
    assert.equal(exported.json.devices.length, 1);
    assert.deepEqual(exported.json.topics, ['gdpr-news']);

    assert.equal((await rig.call('DELETE', `/v1/subscribers/${id}`)).status, 200);
    assert.equal((await rig.call('GET', `/v1/subscribers/${id}`)).status, 404);
    assert.equal((await rig.call('DELETE', `/v1/subscribers/${id}`)).status, 404);
    assertNothingHolds(rig.server.dir, [id, token, 'Erik Erasure', '+14155550123']);
  });

  it('preferences: defaults, validated PUT, and a subscriber token that works only for its own subscriber', async () => {
    await rig.call('PUT', '/v1/subscribers/prefs-1', { name: 'P' });
    const defaults = await rig.call('GET', '/v1/subscribers/prefs-1/preferences');
    assert.equal(defaults.status, 200);
    assert.equal(defaults.json.enabled, true);
    const doc = {
      enabled: true, channels: { email: true, sms: false },
      categories: { marketing: { enabled: false }, orders: { channels: { push: true, email: false } } },
      quiet_hours: { start: '22:00', end: '07:00' }, frequency_caps: [{ category: 'marketing', max: 3, per: '1d' }, { max: 20, per: '1h' }],
      channel_order: ['push', 'sms', 'email'],
    };
    const put = await rig.call('PUT', '/v1/subscribers/prefs-1/preferences', doc);
    assert.equal(put.status, 200, JSON.stringify(put.json));
    const got = (await rig.call('GET', '/v1/subscribers/prefs-1/preferences')).json;
    assert.deepEqual([got.channels, got.quiet_hours, got.frequency_caps.length, got.channel_order], [doc.channels, doc.quiet_hours, 2, doc.channel_order]);
    for (const bad of [{ channels: { fax: true } }, { quiet_hours: { start: '25:00', end: '07:00' } }, { frequency_caps: [{ max: 0, per: '1h' }] }, { quietHours: {} }]) {
      const res = await rig.call('PUT', '/v1/subscribers/prefs-1/preferences', bad);
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.equal(typeof res.json.code, 'number');
    }
    assert.equal((await rig.call('PUT', '/v1/subscribers/nobody/preferences', doc)).status, 404);

    const token = (await rig.call('POST', '/v1/subscriber-tokens', { subscriber: 'prefs-1' })).json.token as string;
    assert.match(token, /^st_/);
    const own = await rig.call('PUT', '/v1/subscribers/prefs-1/preferences', { enabled: false }, `Bearer ${token}`);
    assert.equal(own.status, 200, JSON.stringify(own.json));
    assert.equal((await rig.call('GET', '/v1/subscribers/prefs-1/preferences', undefined, `Bearer ${token}`)).json.enabled, false);
    assert.equal((await rig.call('GET', '/v1/subscribers/user-123/preferences', undefined, `Bearer ${token}`)).status, 401, 'not for another subscriber');
    assert.equal((await rig.call('GET', '/v1/subscribers/prefs-1', undefined, `Bearer ${token}`)).status, 401, 'a token opens only the subscriber routes');
  });

  it('declares scopes: a key without templates:write cannot put a template', async () => {
    const reader = await rig.key(['templates:read']);
    assert.equal((await rig.call('PUT', '/v1/templates/x', ORDER_TEMPLATE, reader)).status, 403);
    assert.equal((await rig.call('GET', '/v1/templates', undefined, reader)).status, 200);
    assert.equal((await rig.call('GET', '/v1/subscribers/user-123', undefined, reader)).status, 403);
  });
});
