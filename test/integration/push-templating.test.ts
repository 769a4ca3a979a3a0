import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { OffsetClock } from '../helpers/manual-clock.js';
import { eventually } from '../helpers/push-rig.js';
import { centrifugoBackend, centrifugoUser, fcmToken } from '../helpers/centrifugo-client.js';

const hex = () => randomBytes(32).toString('hex');

const clock = new OffsetClock();
const backend = centrifugoBackend(['devices:read', 'devices:write', 'push:send', 'push:read'], { clock });
const { api, result } = backend;

async function settled(id: string): Promise<any> {
  let view: any;
  await eventually(`push ${id} done`, async () => {
    view = (await backend.rig.call('GET', `/v1/push/${id}`)).json;
    return view.state === 'done' || view.state === 'cancelled';
  });
  return view;
}

const LOCALIZATIONS = { pt: { translations: { greeting: 'Olá' } }, fr: { translations: { greeting: 'Bonjour' } } };

/** Four devices of one user: pt-BR, fr, de (no translation) and none; each with a first name in meta. */
async function devicesOf(user: string): Promise<{ id: string; token: string; locale: string | undefined; name: string }[]> {
  const devices = [];
  for (const [locale, name] of [['pt-BR', 'Ana'], ['fr', 'Zoé'], ['de', 'Jonas'], [undefined, 'Sam']] as const) {
    const token = fcmToken();
    const { id } = await result('device_register', { provider: 'fcm', token, platform: 'android', user, ...(locale ? { locale } : {}), meta: { first_name: name } });
    devices.push({ id, token, locale, name });
  }
  return devices;
}

/** What the FCM mock received for the token in the push titled by `marker` (its data carries the marker). */
function received(token: string, marker: string): { title: string; body: string; data: Record<string, string> } {
  const r = backend.rig.fcm.requests.find((q) => q.message?.token === token && (q.message.data as Record<string, string> | undefined)?.marker === marker);
  assert.ok(r, `FCM got nothing for ${token} (${marker})`);
  const n = r.message!.notification as { title: string; body: string };
  return { title: n.title, body: n.body, data: r.message!.data as Record<string, string> };
}

const TEMPLATED = (marker: string) => ({
  notification: {
    title: '{{default [[hello]] .l10n.greeting}}, {{.device.meta.first_name}}!',
    body: 'for {{.device.user}} on {{ .device.id }}',
  },
  data: { marker, plain: 'stays as is', who: '{{ .device.meta.first_name | default [[nobody]] }}' },
});

describe('templated, localised pushes', () => {
  it('send_push_notification renders every device its own payload: its language, its meta, its ids', async () => {
    const user = centrifugoUser();
    const devices = await devicesOf(user);
    const marker = `cf-${hex().slice(0, 8)}`;
    const { uid } = await result('send_push_notification', {
      recipient: { filter: { users: [user] } },
      notification: { fcm: { message: TEMPLATED(marker) } },
      use_templating: true,
      use_meta: true,
      localizations: LOCALIZATIONS,
    });
    assert.equal((await settled(uid)).counts.sent, 4);
    const want: Record<string, string> = { 'pt-BR': 'Olá', fr: 'Bonjour', de: 'hello', none: 'hello' };
    for (const d of devices) {
      const got = received(d.token, marker);
      assert.equal(got.title, `${want[d.locale ?? 'none']}, ${d.name}!`, d.locale);
      assert.equal(got.body, `for ${user} on ${d.id}`);
      assert.deepEqual(got.data, { marker, plain: 'stays as is', who: d.name });
    }
  });

  it('without use_meta the meta reads as empty; localizations alone turn templating on', async () => {
    const user = centrifugoUser();
    const devices = await devicesOf(user);
    const marker = `nometa-${hex().slice(0, 8)}`;
    const { uid } = await result('send_push_notification', {
      recipient: { filter: { users: [user] } },
      notification: { fcm: { message: TEMPLATED(marker) } },
      localizations: LOCALIZATIONS,
    });
    await settled(uid);
    const pt = devices.find((d) => d.locale === 'pt-BR')!;
    assert.equal(received(pt.token, marker).title, 'Olá, !');
    assert.equal(received(pt.token, marker).data.who, 'nobody');

    // Off by default: the strings go out as written.
    const raw = `raw-${hex().slice(0, 8)}`;
    await settled((await result('send_push_notification', { recipient: { filter: { users: [user] } }, notification: { fcm: { message: TEMPLATED(raw) } } })).uid);
    assert.equal(received(pt.token, raw).title, '{{default [[hello]] .l10n.greeting}}, {{.device.meta.first_name}}!');
  });

  it('APNs payloads and raw tokens are rendered too; a raw token has no device to read', async () => {
    const apnsToken = hex();
    const marker = `apns-${hex().slice(0, 8)}`;
    const { uid } = await result('send_push_notification', {
      recipient: { apns_tokens: [apnsToken] },
      notification: { apns: { payload: { aps: { alert: { title: '{{default [[hello]] .l10n.greeting}} [{{.device.id}}]' } }, marker } } },
      use_templating: true,
      localizations: LOCALIZATIONS,
    });
    assert.equal((await settled(uid)).counts.sent, 1);
    const a = backend.rig.apns.requests.find((r) => r.token === apnsToken && JSON.parse(r.body).marker === marker);
    assert.ok(a, 'APNs got the payload');
    assert.equal(JSON.parse(a.body).aps.alert.title, 'hello []');
  });

  it('POST /v1/push: templating, use_meta and localizations, in raw payloads and the portable title', async () => {
    const user = centrifugoUser();
    const devices = await devicesOf(user);
    const marker = `v1-${hex().slice(0, 8)}`;
    const res = await backend.rig.call('POST', '/v1/push', {
      to: { users: [user] },
      notification: { title: '{{default [[hello]] .l10n.greeting}} {{.device.meta.first_name}}', data: { marker } },
      fcm: { message: { android: { notification: { body: '{{.device.user}}' } } } },
      templating: true,
      use_meta: true,
      localizations: LOCALIZATIONS,
    }, `Bearer ${backend.key}`);
    assert.equal(res.status, 202, JSON.stringify(res.json));
    await settled(res.json.id);
    for (const d of devices) {
      const r = backend.rig.fcm.requests.find((q) => q.message?.token === d.token && (q.message.data as Record<string, string> | undefined)?.marker === marker);
      assert.ok(r, d.locale);
      const greeting = d.locale === 'pt-BR' ? 'Olá' : d.locale === 'fr' ? 'Bonjour' : 'hello';
      assert.equal((r.message!.notification as { title: string }).title, `${greeting} ${d.name}`);
      assert.equal(((r.message!.android as any).notification as { body: string }).body, user);
    }
  });

  it('a bad template is refused before anything is stored, naming the field on each face', async () => {
    const bad = await api('send_push_notification', {
      recipient: { fcm_tokens: [fcmToken()] },
      notification: { fcm: { message: { notification: { title: 'Hi {{.device.nickname}}' } } } },
      use_templating: true,
    });
    assert.equal(bad.json.error?.code, 107, JSON.stringify(bad.json));
    assert.match(bad.json.error.message, /notification\.fcm\.message\.notification\.title: unknown variable \.device\.nickname/);

    const unclosed = await api('send_push_notification', {
      recipient: { fcm_tokens: [fcmToken()] },
      notification: { apns: { payload: { aps: { alert: { body: '{{default [[x]] .l10n.a' } } } } },
      localizations: LOCALIZATIONS,
    });
    assert.equal(unclosed.json.error?.code, 107);
    assert.match(unclosed.json.error.message, /notification\.apns\.payload\.aps\.alert\.body: unclosed action/);

    const badLang = await api('send_push_notification', { recipient: { fcm_tokens: [fcmToken()] }, notification: { fcm: { message: {} } }, localizations: { 'not a tag': { translations: {} } } });
    assert.equal(badLang.json.error?.code, 107);
    assert.match(badLang.json.error.message, /localizations/);

    const v1 = await backend.rig.call('POST', '/v1/push', { to: { tokens: [{ provider: 'fcm', token: fcmToken() }] }, fcm: { message: { data: { x: '{{ .device.id | upper }}' } } }, templating: true }, `Bearer ${backend.key}`);
    assert.equal(v1.status, 400);
    assert.match(JSON.stringify(v1.json), /fcm\.message\.data\.x: unknown function 'upper'/);
  });
});
