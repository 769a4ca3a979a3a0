import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { assertNothingHolds } from '../helpers/erasure.js';
import { OffsetClock } from '../helpers/manual-clock.js';
import { eventually, startPushRig, type PushRig } from '../helpers/push-rig.js';
import { startSmtpSink, type SmtpSink } from '../mocks/smtp/smtp-sink.js';
import { mockTwilioSignature, startTwilioMock, type TwilioMock } from '../mocks/twilio/twilio-mock.js';
import { startWebhookReceiver, type WebhookReceiver } from '../mocks/webhook/receiver.js';

/**
 * POST /v1/notify end to end, against real peers: an SMTP server, a Twilio-compatible gateway,
 * a webhook receiver that checks signatures with its own code, and the APNs mock behind the
 * push pipeline.
 */
const WEBHOOK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const SENDER = '+15005550006';

let rig: PushRig;
let sink: SmtpSink;
let twilio: TwilioMock;
let hooks: WebhookReceiver;
/** The server's clock: real time, moved to jump past quiet hours and digest windows. */
const clock = new OffsetClock();

before(async () => {
  sink = await startSmtpSink();
  twilio = await startTwilioMock();
  hooks = await startWebhookReceiver({ secrets: [WEBHOOK_SECRET] });
  rig = await startPushRig({
    'base-url': 'https://herald.test',
    'smtp-sender-addr': `127.0.0.1:${sink.port}`,
    'smtp-sender-from': 'Herald <noreply@herald.test>',
    'smtp-sender-tls': 'none',
    'twilio-account': twilio.accountSid,
    'twilio-auth-token': twilio.authToken,
    'twilio-phone-number': SENDER,
    'twilio-base-url': twilio.url,
    'webhook-secrets': WEBHOOK_SECRET,
    'notify-fallback-timeout': '1500ms',
    'notify-max-attempts': '3',
    'enable-metrics': 'true',
  }, { clock });
  await rig.call('PUT', '/v1/categories/orders', { channels: ['push', 'email', 'sms', 'webhook', 'inapp'] });
  await rig.call('PUT', '/v1/categories/security', { channels: ['push', 'sms', 'email'], critical: true });
  const template = {
    category: 'orders',
    channels: {
      push: { title: 'Order {{ order }}', body: 'Shipped, {{ subscriber.name }}' },
      email: { subject: 'Order {{ order }} shipped', html: '<p>Hello {{ subscriber.name }}, order <b>{{ order }}</b> {{ note }}</p>', text: 'Hello {{ subscriber.name }}, order {{ order }} is on its way' },
      sms: { text: 'Order {{ order }} shipped' },
      webhook: { body: { order: '{{ order }}', who: '{{ subscriber.id }}' } },
      inapp: { title: 'Order {{ order }}', body: 'On its way' },
    },
    locales: { fr: { email: { subject: 'Commande {{ order }} expédiée' } } },
  };
  assert.equal((await rig.call('PUT', '/v1/templates/shipped', template)).status, 201);
  assert.equal((await rig.call('PUT', '/v1/templates/otp', { category: 'security', channels: { push: { body: 'Code {{ code }}' }, sms: { text: 'Your code is {{ code }}' }, email: { subject: 'Code', text: 'Code {{ code }}' } } })).status, 201);
});
after(async () => {
  await rig.close();
  await Promise.all([sink.close(), twilio.close(), hooks.close()]);
});

async function subscriber(fields: Record<string, unknown> = {}): Promise<string> {
  const id = `sub-${randomBytes(5).toString('hex')}`;
  const put = await rig.call('PUT', `/v1/subscribers/${id}`, { name: 'Ann', ...fields });
  assert.equal(put.status, 201, JSON.stringify(put.json));
  return id;
}

async function device(user: string): Promise<string> {
  const token = randomBytes(32).toString('hex');
  assert.equal((await rig.call('POST', '/v1/devices', { provider: 'apns', token, user })).status, 201);
  return token;
}

type ChannelView = { channel: string; state: string; reason?: string; provider_id?: string };
async function channels(id: string, who: string): Promise<Record<string, ChannelView>> {
  const view = await rig.call('GET', `/v1/notify/${id}`);
  assert.equal(view.status, 200, JSON.stringify(view.json));
  const r = (view.json.deliveries as { subscriber: string; channels: ChannelView[] }[]).find((d) => d.subscriber === who);
  return Object.fromEntries((r?.channels ?? []).map((c) => [c.channel, c]));
}

async function recipient(id: string, who: string): Promise<{ state: string; reason?: string }> {
  const view = await rig.call('GET', `/v1/notify/${id}`);
  return (view.json.deliveries as { subscriber: string; state: string; reason?: string }[]).find((d) => d.subscriber === who) ?? { state: 'none' };
}

async function send(body: Record<string, unknown>): Promise<string> {
  const res = await rig.call('POST', '/v1/notify', body);
  assert.equal(res.status, 202, JSON.stringify(res.json));
  assert.match(res.json.id, /^ntf_/);
  return res.json.id as string;
}

describe('POST /v1/notify', () => {
  it('sends on every allowed channel with strategy all: e-mail, SMS, webhook, in-app and push, each recorded', async () => {
    const email = `ann-${randomBytes(3).toString('hex')}@example.com`;
    const hookPath = `/hooks/${randomBytes(4).toString('hex')}`;
    const who = await subscriber({ email, phone: '+14155550101', webhook_url: `${hooks.url}${hookPath}`, locale: 'fr-CA' });
    const token = await device(who);
    const id = await send({ template: 'shipped', to: { subscribers: [who] }, data: { order: '42', note: '<script>x</script>' } });

    await eventually('every channel sent', async () => Object.values(await channels(id, who)).filter((c) => c.state === 'sent').length === 5);
    const seen = await channels(id, who);
    assert.deepEqual(Object.keys(seen).sort(), ['email', 'inapp', 'push', 'sms', 'webhook']);
    assert.equal((await recipient(id, who)).state, 'sent');

    // E-mail: multipart text + HTML, escaped data, the locale's subject, one-click unsubscribe (RFC 8058).
    await eventually('the mail arrives', () => sink.messages.some((m) => m.to.includes(email)));
    const mail = await simpleParser(sink.messages.find((m) => m.to.includes(email))!.raw);
    assert.equal(mail.subject, 'Commande 42 expédiée');
    assert.match(mail.text ?? '', /Hello Ann, order 42 is on its way/);
    assert.ok(String(mail.html).includes('&lt;script&gt;'), String(mail.html));
    assert.match(String(mail.headers.get('content-type') && (mail.headers.get('content-type') as { value: string }).value), /multipart\/alternative/);
    const raw = sink.messages.find((m) => m.to.includes(email))!.raw.toString('utf8');
    const unsubscribe = /^List-Unsubscribe:\s*<(https:\/\/herald\.test\/v1\/preferences\/[^>]+)>/im.exec(raw);
    assert.ok(unsubscribe, raw.slice(0, 2000));
    assert.match(raw, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click/im);
    assert.match(seen.email!.provider_id ?? '', /^<ntf_/);

    // SMS: the gateway saw Basic auth, From and the rendered body.
    const sms = [...twilio.messages.values()].find((m) => m.to === '+14155550101');
    assert.ok(sms, 'the SMS reached the gateway');
    assert.equal(sms.body, 'Order 42 shipped');
    assert.equal(sms.from, SENDER);
    assert.equal(sms.statusCallback, 'https://herald.test/v1/notify/sms/status');
    assert.equal(seen.sms!.provider_id, sms.sid);

    // Webhook: verified by the receiver's own HMAC code.
    const hook = hooks.verified.find((h) => h.path === hookPath);
    assert.ok(hook, `verified webhook expected; rejected: ${JSON.stringify(hooks.rejected.map((r) => r.why))}`);
    const payload = JSON.parse(hook.body);
    assert.deepEqual(payload.data, { order: '42', who });
    assert.equal(payload.id, id);

    // Push went through the push pipeline to the subscriber's device.
    await eventually('the APNs mock got the push', () => rig.apns.requests.some((r) => r.token === token));
    const push = rig.apns.requests.find((r) => r.token === token)!;
    assert.equal((JSON.parse(push.body) as { aps: { alert: { title: string } } }).aps.alert.title, 'Order 42');

    // Counted for Prometheus per channel and state.
    const metrics = await fetch(`${rig.server.url}/metrics`, { headers: { authorization: rig.admin } });
    const text = await metrics.text();
    for (const channel of ['email', 'sms', 'webhook', 'inapp', 'push']) {
      assert.match(text, new RegExp(`herald_notify_channel_states_total\\{channel="${channel}",state="sent"\\} [1-9]`), channel);
    }
  });

  it('applies preferences in order, recording each suppression with its reason; quiet hours defer, critical bypasses them', async () => {
    const now = new Date(clock.now());
    const hh = (h: number) => String((now.getUTCHours() + h + 24) % 24).padStart(2, '0');
    // Quiet from an hour ago to two hours ahead, in UTC.
    const quiet = { start: `${hh(-1)}:00`, end: `${hh(2)}:00` };
    const who = await subscriber({ email: `q-${randomBytes(3).toString('hex')}@example.com`, phone: '+14155550102', timezone: 'UTC' });
    const prefs = await rig.call('PUT', `/v1/subscribers/${who}/preferences`, { channels: { sms: false }, quiet_hours: quiet });
    assert.equal(prefs.status, 200, JSON.stringify(prefs.json));

    const id = await send({ template: 'shipped', to: { subscribers: [who] }, channels: ['email', 'sms'], data: { order: '7' } });
    await eventually('deferred', async () => (await recipient(id, who)).state === 'deferred');
    assert.match((await recipient(id, who)).reason ?? '', /^quiet hours until /);

    // Critical: quiet hours do not hold it, the explicit SMS opt-out still does.
    const otp = await send({ template: 'otp', to: { subscribers: [who] }, channels: ['sms', 'email'], data: { code: '123456' }, priority: 'critical' });
    await eventually('critical sent', async () => (await channels(otp, who)).email?.state === 'sent');
    assert.equal((await channels(otp, who)).sms?.state, 'suppressed');
    assert.equal((await channels(otp, who)).sms?.reason, 'channel_disabled');

    // When the window ends, the deferred one goes out (e-mail), and the SMS is suppressed.
    clock.advance(3 * 3600_000);
    try {
      await eventually('deferred one sent after the window', async () => (await channels(id, who)).email?.state === 'sent');
      assert.equal((await channels(id, who)).sms?.reason, 'channel_disabled');
    } finally {
      clock.advance(-3 * 3600_000);
    }
  });

  it('enforces frequency caps as a sliding window and category opt-outs', async () => {
    const who = await subscriber({ email: `cap-${randomBytes(3).toString('hex')}@example.com` });
    await rig.call('PUT', `/v1/subscribers/${who}/preferences`, { frequency_caps: [{ category: 'orders', max: 2, per: '1h' }] });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await send({ template: 'shipped', to: { subscribers: [who] }, channels: ['email'], data: { order: String(i) } }));
      await eventually('planned', async () => (await recipient(ids[i]!, who)).state !== 'none');
    }
    await eventually('third capped', async () => (await recipient(ids[2]!, who)).state === 'suppressed');
    assert.equal((await channels(ids[2]!, who)).email?.reason, 'frequency_cap: orders: 2 per 1h');
    await rig.call('PUT', `/v1/subscribers/${who}/preferences`, { categories: { orders: { enabled: false } } });
    const off = await send({ template: 'shipped', to: { subscribers: [who] }, channels: ['email'], data: { order: 'x' } });
    await eventually('category off', async () => (await channels(off, who)).email?.reason === 'category_disabled');
  });

  it('falls back push -> SMS -> e-mail when each fails permanently, recording every step', async () => {
    const email = `fb-${randomBytes(3).toString('hex')}@example.com`;
    const phone = '+14155550103';
    const who = await subscriber({ email, phone });
    await rig.call('PUT', `/v1/subscribers/${who}/preferences`, { channel_order: ['push', 'sms', 'email'] });
    const token = await device(who);
    rig.apns.answer(token, { status: 400, reason: 'BadDeviceToken' });
    twilio.script(phone, { status: 400, code: 21211, message: "The 'To' number is not a valid phone number." });

    const id = await send({ template: 'shipped', to: { subscribers: [who] }, strategy: 'fallback', channels: ['push', 'sms', 'email'], data: { order: '9' } });
    await eventually('email reached after two failures', async () => (await channels(id, who)).email?.state === 'sent');
    const seen = await channels(id, who);
    assert.equal(seen.push!.state, 'failed');
    assert.match(seen.push!.reason ?? '', /invalid_token/);
    assert.equal(seen.sms!.state, 'failed');
    assert.match(seen.sms!.reason ?? '', /21211|invalid|rejected/i);
    assert.equal((await recipient(id, who)).state, 'sent');
    assert.ok(sink.messages.some((m) => m.to.includes(email)));
  });

  it('falls back when a sent push is not confirmed within the timeout', async () => {
    const email = `to-${randomBytes(3).toString('hex')}@example.com`;
    const who = await subscriber({ email });
    await device(who);
    const id = await send({ template: 'shipped', to: { subscribers: [who] }, strategy: 'fallback', channels: ['push', 'email'], data: { order: '10' } });
    await eventually('push awaiting', async () => (await channels(id, who)).push?.state === 'awaiting');
    await eventually('timed out, then e-mail', async () => (await channels(id, who)).email?.state === 'sent');
    assert.equal((await channels(id, who)).push?.state, 'timeout');
    assert.match((await channels(id, who)).push?.reason ?? '', /not confirmed within/);
  });

  it('moves on when the subscriber cannot be reached on a channel at all', async () => {
    const who = await subscriber({ email: `un-${randomBytes(3).toString('hex')}@example.com` });
    const id = await send({ template: 'shipped', to: { subscribers: [who] }, strategy: 'fallback', channels: ['sms', 'push', 'email'], data: { order: '11' } });
    await eventually('e-mail sent', async () => (await channels(id, who)).email?.state === 'sent');
    const seen = await channels(id, who);
    assert.equal(seen.sms!.state, 'unavailable');
    assert.equal(seen.sms!.reason, 'the subscriber has no phone number');
    assert.equal(seen.push!.state, 'unavailable');
    assert.equal(seen.push!.reason, 'the subscriber has no active device');
  });

  it('returns the first notification for a repeated idempotency key and sends nothing more', async () => {
    const email = `idem-${randomBytes(3).toString('hex')}@example.com`;
    const who = await subscriber({ email });
    const body = { template: 'shipped', to: { subscribers: [who] }, channels: ['email'], data: { order: '12' }, idempotency_key: `k-${who}` };
    const first = await rig.call('POST', '/v1/notify', body);
    const again = await rig.call('POST', '/v1/notify', body);
    assert.equal(again.status, 202);
    assert.equal(again.json.id, first.json.id);
    assert.equal(again.json.duplicate, true);
    await eventually('sent', async () => (await channels(first.json.id, who)).email?.state === 'sent');
    // A mail sent after the repeat reaches the sink after anything the repeat could have sent.
    const marker = await send({ template: 'shipped', to: { subscribers: [who] }, channels: ['email'], data: { order: 'marker' } });
    await eventually('the marker mail', async () => (await channels(marker, who)).email?.state === 'sent' && sink.messages.filter((m) => m.to.includes(email)).length >= 2);
    assert.equal(sink.messages.filter((m) => m.to.includes(email)).length, 2, 'the first mail and the marker, nothing for the repeat');
  });

  it('notifies every subscriber bound to a topic, paged', async () => {
    const topic = `news${randomBytes(3).toString('hex')}`;
    const members: string[] = [];
    for (let i = 0; i < 12; i++) {
      const who = await subscriber({ email: `t${i}-${randomBytes(3).toString('hex')}@example.com` });
      assert.equal((await rig.call('PUT', `/v1/users/${who}/topics`, { topics: [topic] })).status, 200);
      members.push(who);
    }
    const id = await send({ template: 'shipped', to: { topic }, channels: ['email'], data: { order: 'all' } });
    await eventually('all sent', async () => {
      const view = await rig.call('GET', `/v1/notify/${id}`);
      return view.json.counts.sent === members.length;
    });
    const view = await rig.call('GET', `/v1/notify/${id}?limit=5`);
    assert.equal(view.json.deliveries.length, 5);
    assert.ok(view.json.next_cursor);
    const next = await rig.call('GET', `/v1/notify/${id}?limit=5&cursor=${encodeURIComponent(view.json.next_cursor)}`);
    assert.notEqual(next.json.deliveries[0].subscriber, view.json.deliveries[0].subscriber);
  });

  it('collects a digest category into one send rendered with the list of events', async () => {
    await rig.call('PUT', '/v1/categories/activity', { channels: ['email'], digest: { window: '10m' } });
    await rig.call('PUT', '/v1/templates/activity', {
      category: 'activity',
      channels: { email: { subject: '{{ count | default: 1 }} new events', text: '{% for e in events %}{{ e.what }};{% endfor %}' } },
    });
    const email = `dg-${randomBytes(3).toString('hex')}@example.com`;
    const who = await subscriber({ email });
    const ids: string[] = [];
    for (const what of ['liked', 'commented', 'followed']) ids.push(await send({ template: 'activity', to: { subscribers: [who] }, data: { what } }));
    await eventually('first carries, others digested', async () => (await recipient(ids[2]!, who)).state === 'digested');
    assert.equal((await recipient(ids[0]!, who)).state, 'pending');
    assert.match((await recipient(ids[1]!, who)).reason ?? '', new RegExp(`digest carried by ${ids[0]}`));
    clock.advance(11 * 60_000);
    try {
      await eventually('digest sent', () => sink.messages.some((m) => m.to.includes(email)));
    } finally {
      clock.advance(-11 * 60_000);
    }
    const mail = await simpleParser(sink.messages.find((m) => m.to.includes(email))!.raw);
    assert.equal(mail.subject, '3 new events');
    assert.equal(mail.text?.trim(), 'liked;commented;followed;');
  });

  it('schedules send_at in the subscriber\'s local time, and cancels what has not gone out', async () => {
    const who = await subscriber({ email: `sa-${randomBytes(3).toString('hex')}@example.com`, timezone: 'Pacific/Chatham' });
    // Two days ahead: 09:00 in Chatham (UTC+12:45/+13:45) is the evening before in UTC, so a date
    // only one day ahead is already past when the test runs after 19:15 UTC.
    const local = new Date(clock.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const id = await send({ template: 'shipped', to: { subscribers: [who] }, channels: ['email'], send_at: `${local}T09:00`, data: { order: 's' } });
    await eventually('scheduled', async () => (await recipient(id, who)).state === 'scheduled');
    // 09:00 at +12:45 or +13:45 (Chatham's DST) is 19:15 or 20:15 UTC the day before.
    const reason = (await recipient(id, who)).reason ?? '';
    assert.match(reason, /send_at \d{4}-\d{2}-\d{2}T(19|20):15:00\.000Z/);
    const cancel = await rig.call('DELETE', `/v1/notify/${id}`);
    assert.equal(cancel.status, 200);
    assert.equal(cancel.json.cancelled, 1);
    assert.equal((await recipient(id, who)).state, 'cancelled');
    assert.equal((await rig.call('GET', `/v1/notify/${id}`)).json.state, 'cancelled');
  });

  it('retries a webhook that answers 503 and records the attempts', async () => {
    const path = `/retry/${randomBytes(4).toString('hex')}`;
    hooks.script(path, { status: 503 }, { status: 204 });
    const who = await subscriber({ webhook_url: `${hooks.url}${path}` });
    const id = await send({ template: 'shipped', to: { subscribers: [who] }, channels: ['webhook'], data: { order: 'r' } });
    await eventually('webhook sent on the second attempt', async () => (await channels(id, who)).webhook?.state === 'sent');
    const view = await rig.call('GET', `/v1/notify/${id}`);
    assert.equal(view.json.deliveries[0].channels[0].attempts, 2);
    const got = hooks.verified.filter((h) => h.path === path);
    assert.equal(got.length, 2);
    assert.equal(got[0]!.headers['webhook-id'], got[1]!.headers['webhook-id'], 'a retry keeps its webhook-id');
  });

  it('confirms a fallback push when the app reports it delivered, and stops there', async () => {
    const who = await subscriber({ email: `cf-${randomBytes(3).toString('hex')}@example.com` });
    await device(who);
    const id = await send({ template: 'shipped', to: { subscribers: [who] }, strategy: 'fallback', channels: ['push', 'email'], data: { order: 'c' } });
    await eventually('push awaiting', async () => (await channels(id, who)).push?.state === 'awaiting');
    const pushId = (await channels(id, who)).push!.provider_id!;
    const deviceId = (await rig.call('GET', `/v1/devices?user=${who}`)).json.devices[0].id as string;
    const report = await rig.call('POST', `/v1/push/${pushId}/status`, { device: deviceId, status: 'delivered' });
    assert.equal(report.status, 200, JSON.stringify(report.json));
    await eventually('confirmed', async () => (await channels(id, who)).push?.state === 'delivered');
    // A second fallback notification whose push nobody confirms times out after this one would
    // have, on the same queue: once it has fallen back to e-mail, this one's chance has passed.
    const other = await subscriber({ email: `cf2-${randomBytes(3).toString('hex')}@example.com` });
    await device(other);
    const control = await send({ template: 'shipped', to: { subscribers: [other] }, strategy: 'fallback', channels: ['push', 'email'], data: { order: 'c2' } });
    await eventually('the unconfirmed one fell back to e-mail', async () => (await channels(control, other)).email?.state === 'sent');
    assert.equal((await channels(id, who)).email, undefined, 'no fallback after a confirmed push');
    assert.equal((await recipient(id, who)).state, 'sent');
  });

  it('counts SMS segments in previews and on the delivery, and refuses texts over ten segments', async () => {
    await rig.call('PUT', '/v1/templates/long-sms', { category: 'orders', channels: { sms: { text: '{{ body }}' } } });
    const preview = await rig.call('POST', '/v1/templates/long-sms/preview', { data: { body: 'é'.repeat(100) } });
    assert.deepEqual([preview.json.channels.sms.segments, preview.json.channels.sms.encoding], [1, 'GSM-7']);
    const ucs = await rig.call('POST', '/v1/templates/long-sms/preview', { data: { body: '✓'.repeat(71) } });
    assert.deepEqual([ucs.json.channels.sms.segments, ucs.json.channels.sms.encoding], [2, 'UCS-2']);
    const who = await subscriber({ phone: '+14155550104' });
    const ok = await send({ template: 'long-sms', to: { subscribers: [who] }, channels: ['sms'], data: { body: 'x'.repeat(200) } });
    await eventually('sent', async () => (await channels(ok, who)).sms?.state === 'sent');
    assert.equal((await channels(ok, who)).sms?.reason, '2 segments, GSM-7');
    const tooLong = await send({ template: 'long-sms', to: { subscribers: [who] }, channels: ['sms'], data: { body: '✓'.repeat(700) } });
    await eventually('failed', async () => (await channels(tooLong, who)).sms?.state === 'failed');
    assert.match((await channels(tooLong, who)).sms?.reason ?? '', /11 segments \(UCS-2\); at most 10/);
  });

  it('erases a subscriber who was notified on every channel: no table keeps their data', async () => {
    const email = `Erase-${randomBytes(3).toString('hex')}@Example.com`;
    const phone = '+14155550199';
    const hookPath = `/erase/${randomBytes(4).toString('hex')}`;
    const who = await subscriber({ email, phone, name: 'Erin Erased', webhook_url: `${hooks.url}${hookPath}` });
    const token = await device(who);
    const id = await send({ template: 'shipped', to: { subscribers: [who] }, data: { order: 'gdpr' } });
    await eventually('sent everywhere', async () => Object.values(await channels(id, who)).filter((c) => c.state === 'sent').length === 5);
    assert.equal((await rig.call('DELETE', `/v1/subscribers/${who}`)).status, 200);
    const view = await rig.call('GET', `/v1/notify/${id}`);
    assert.equal(view.json.deliveries.length, 0, 'the notification keeps no row for the erased subscriber');
    assertNothingHolds(rig.server.dir, [who, token, 'Erin Erased', phone, email, email.toLowerCase(), hookPath]);
  });

  it('e-mails a topic message that carries X-Email (ntfy), through the durable queue', async () => {
    const to = `topic-${randomBytes(3).toString('hex')}@example.com`;
    const res = await fetch(`${rig.server.url}/alerts${randomBytes(3).toString('hex')}`, { method: 'POST', headers: { Email: to, Title: 'Disk full', Tags: 'warning' }, body: 'Only 2% left on /var' });
    assert.equal(res.status, 200, await res.text());
    await eventually('the mail arrives', () => sink.messages.some((m) => m.to.includes(to)));
    const mail = await simpleParser(sink.messages.find((m) => m.to.includes(to))!.raw);
    assert.equal(mail.subject, 'Disk full');
    assert.match(mail.text ?? '', /Only 2% left on \/var\n\nTags: warning/);
    assert.match(mail.text ?? '', /Published to https:\/\/herald\.test\/alerts[0-9a-f]+ by 127\.0\.0\.1 at /);
  });

  it('takes SMS status callbacks: delivered confirms a fallback SMS, undelivered moves on to e-mail', async () => {
    const callback = async (sid: string, status: string, errorCode?: string) => {
      const form: Record<string, string> = { MessageSid: sid, MessageStatus: status, AccountSid: twilio.accountSid, ...(errorCode ? { ErrorCode: errorCode } : {}) };
      const signature = mockTwilioSignature(twilio.authToken, 'https://herald.test/v1/notify/sms/status', form);
      const res = await fetch(`${rig.server.url}/v1/notify/sms/status`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(form).toString(),
      });
      assert.equal(res.status, 200, await res.text());
    };
    const ok = await subscriber({ email: `rc-${randomBytes(3).toString('hex')}@example.com`, phone: '+14155550105' });
    const first = await send({ template: 'shipped', to: { subscribers: [ok] }, strategy: 'fallback', channels: ['sms', 'email'], data: { order: 'rc1' } });
    await eventually('sms awaiting', async () => (await channels(first, ok)).sms?.state === 'awaiting');
    await callback((await channels(first, ok)).sms!.provider_id!, 'delivered');
    await eventually('sms delivered', async () => (await channels(first, ok)).sms?.state === 'delivered');
    assert.equal((await recipient(first, ok)).state, 'sent');

    const email = `rc2-${randomBytes(3).toString('hex')}@example.com`;
    const lost = await subscriber({ email, phone: '+14155550106' });
    const second = await send({ template: 'shipped', to: { subscribers: [lost] }, strategy: 'fallback', channels: ['sms', 'email'], data: { order: 'rc2' } });
    await eventually('sms awaiting', async () => (await channels(second, lost)).sms?.state === 'awaiting');
    await callback((await channels(second, lost)).sms!.provider_id!, 'undelivered', '30003');
    await eventually('fell back to e-mail', async () => (await channels(second, lost)).email?.state === 'sent');
    assert.equal((await channels(second, lost)).sms?.reason, 'sms undelivered (error 30003)');
  });

  it('takes bounces: a hard bounce fails the delivery it names and suppresses the address for later sends', async () => {
    const email = `bounce-${randomBytes(3).toString('hex')}@example.com`;
    const who = await subscriber({ email });
    const id = await send({ template: 'shipped', to: { subscribers: [who] }, channels: ['email'], data: { order: 'b' } });
    await eventually('sent', async () => (await channels(id, who)).email?.state === 'sent');
    const messageId = (await channels(id, who)).email!.provider_id!;
    const bounce = await rig.call('POST', '/v1/notify/email/events', { address: email.toUpperCase(), type: 'bounce', reason: '550 5.1.1 no such user', message_id: messageId });
    assert.equal(bounce.status, 200, JSON.stringify(bounce.json));
    await eventually('failed by the bounce', async () => (await channels(id, who)).email?.state === 'failed');
    assert.match((await channels(id, who)).email?.reason ?? '', /^bounced: 550 5\.1\.1/);
    const again = await send({ template: 'shipped', to: { subscribers: [who] }, channels: ['email'], data: { order: 'b2' } });
    await eventually('unavailable', async () => (await channels(again, who)).email?.state === 'unavailable');
    assert.match((await channels(again, who)).email?.reason ?? '', /suppressed \(bounce/);
  });

  it('refuses bad requests with the error shape, and keys outside their categories', async () => {
    const who = await subscriber();
    const cases: [unknown, number, number][] = [
      [{ template: 'nope', to: { subscribers: [who] } }, 404, 40408],
      [{ template: 'shipped', to: {} }, 400, 40024],
      [{ template: 'shipped', to: { subscribers: [] } }, 400, 40024],
      [{ template: 'shipped', to: { subscribers: [who] }, channels: ['fax'] }, 400, 40024],
      [{ template: 'otp', to: { subscribers: [who] }, channels: ['webhook'] }, 400, 40072],
      [{ template: 'shipped', to: { subscribers: [who] }, send_at: 'tomorrow' }, 400, 40000],
      [{ template: 'shipped', to: { subscribers: [who] }, expires_at: '2001-01-01T00:00:00Z' }, 400, 40072],
      [{ template: 'shipped', to: { subscribers: [who] }, category: 'security' }, 400, 40072],
      [{ template: 'shipped', to: { topic: 'bad topic!' } }, 400, 40072],
    ];
    for (const [body, status, code] of cases) {
      const res = await rig.call('POST', '/v1/notify', body);
      assert.equal(res.status, status, `${JSON.stringify(body)} → ${JSON.stringify(res.json)}`);
      assert.equal(res.json.code, code, JSON.stringify(res.json));
    }
    const marketing = await rig.key(['notify:send'], ['marketing']);
    const denied = await rig.call('POST', '/v1/notify', { template: 'otp', to: { subscribers: [who] } }, marketing);
    assert.equal(denied.status, 403);
    assert.equal((await rig.call('GET', '/v1/notify/ntf_missing')).json.code, 40409);
    const reader = await rig.key(['notify:send']);
    assert.equal((await rig.call('GET', '/v1/notify/ntf_missing', undefined, reader)).status, 403, 'reading needs notify:read');
  });
});
