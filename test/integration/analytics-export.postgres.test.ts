import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eventually, startPushRig, type PushRig } from '../helpers/push-rig.js';
import { freshPostgresSchema, POSTGRES_URL, serviceSkip } from '../helpers/services.js';
import { fcmToken } from '../helpers/centrifugo-client.js';

/**
 * The analytics export against the machine's PostgreSQL, from a Herald on SQLite (its delivery
 * threads on, as by default): rows appear as deliveries change state, and an export database
 * that cannot be reached costs counted rows, never a delivery.
 */
const skip = await serviceSkip('postgres');

interface EventRow {
  at: Date;
  kind: string;
  message_id: string | null;
  delivery_id: string | null;
  device_id: string | null;
  subscriber_id: string | null;
  provider: string | null;
  channel: string | null;
  app: string | null;
  platform: string | null;
  category: string | null;
  state: string;
  error: string | null;
  status: number | null;
  latency_ms: string | null;
  attempt: number | null;
}

async function query<R>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as R[];
  } finally {
    await client.end();
  }
}

async function metric(rig: PushRig, name: string): Promise<number> {
  const text = await (await fetch(`${rig.server.url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

async function pushTo(rig: PushRig, tokens: string[], extra: Record<string, unknown> = {}): Promise<{ pushId: string; deviceIds: string[] }> {
  const deviceIds: string[] = [];
  for (const token of tokens) {
    const dev = await rig.call('POST', '/v1/devices', { provider: 'fcm', token, platform: 'android' });
    assert.equal(dev.status, 201, JSON.stringify(dev.json));
    deviceIds.push(dev.json.id as string);
  }
  const sent = await rig.call('POST', '/v1/push', { to: { devices: deviceIds }, notification: { title: 'Hi' }, ...extra });
  assert.equal(sent.status, 202, JSON.stringify(sent.json));
  return { pushId: sent.json.id as string, deviceIds };
}

async function register(rig: PushRig, provider: 'apns' | 'fcm', token: string, platform: string): Promise<string> {
  const dev = await rig.call('POST', '/v1/devices', { provider, token, platform });
  assert.equal(dev.status, 201, JSON.stringify(dev.json));
  return dev.json.id as string;
}

/** Five past the hour, `hours` from now, as HH:MM in UTC. */
function utcHourFromNow(hours: number): string {
  return `${String((new Date().getUTCHours() + hours) % 24).padStart(2, '0')}:05`;
}

/**
 * Which fields a row may leave null, by design:
 * - push rows: `subscriber_id` and `channel` (notify only); `device_id` and `platform` for raw
 *   tokens and provider topics (no registered device); `latency_ms` for every state but `sent`
 *   (and for dead-letter replays); `status` and `error` when the provider gave none; `attempt`
 *   where no send was tried (held, dropped, and the app's own status reports); `category` for a
 *   push sent without one.
 * - notify rows: `delivery_id`, `device_id`, `provider`, `app` and `platform` (a channel delivery
 *   goes to a subscriber; its push channel's own pushes have push rows of their own);
 *   `latency_ms` for every state but `sent`.
 */
describe('analytics export to PostgreSQL', { skip }, () => {
  let rig: PushRig;
  let schema: Awaited<ReturnType<typeof freshPostgresSchema>>;
  const table = () => `${schema.schema}.delivery_events`;
  const rowsOf = (messageId: string) => query<EventRow>(POSTGRES_URL, `SELECT * FROM ${table()} WHERE message_id = $1 ORDER BY at, state`, [messageId]);

  before(async () => {
    schema = await freshPostgresSchema('analytics export');
    rig = await startPushRig({
      'analytics-export-url': POSTGRES_URL,
      'analytics-export-table': table(),
      'analytics-export-flush-interval': '50ms',
      'enable-metrics': 'true',
      'api-key-request-limit-burst': '100000',
    });
  });
  after(async () => {
    await rig?.close();
    await schema?.drop();
  });

  it('a sent push becomes a row with its provider, app, category, latency and attempt; the table has its indexes', async () => {
    const category = `c${randomBytes(4).toString('hex')}`;
    const { pushId, deviceIds } = await pushTo(rig, [fcmToken()], { category });
    await eventually('the sent row', async () => (await rowsOf(pushId).catch(() => [])).some((r) => r.state === 'sent'));
    const [row] = (await rowsOf(pushId)).filter((r) => r.state === 'sent');
    assert.equal(row!.kind, 'push');
    assert.equal(row!.provider, 'fcm');
    assert.equal(row!.app, 'default');
    assert.equal(row!.category, category);
    assert.equal(row!.platform, 'android', 'the device\'s platform, read once per send job in its delivery thread');
    assert.equal(row!.device_id, deviceIds[0]);
    assert.equal(row!.subscriber_id, null);
    assert.equal(row!.channel, null);
    assert.match(row!.delivery_id!, /^dl_[0-9a-z]+_dev_/);
    assert.equal(row!.attempt, 1);
    assert.ok(row!.latency_ms !== null && Number(row!.latency_ms) >= 0, 'a send latency');
    assert.equal(row!.error, null);
    assert.ok(row!.at instanceof Date && !Number.isNaN(row!.at.getTime()));
    const indexes = await query<{ indexname: string }>(POSTGRES_URL, 'SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = $2', [schema.schema, 'delivery_events']);
    assert.deepEqual(indexes.map((i) => i.indexname).sort(), ['delivery_events_at', 'delivery_events_state_at']);
    await eventually('the exported rows counted', async () => (await metric(rig, 'herald_analytics_export_rows_total')) >= 1);
  });

  it('each send outcome carries its own device\'s provider and platform; a raw token has no platform', async () => {
    const category = `c${randomBytes(4).toString('hex')}`;
    const iphone = await register(rig, 'apns', randomBytes(32).toString('hex'), 'ios');
    const android = await register(rig, 'fcm', fcmToken(), 'android');
    const raw = fcmToken();
    const sent = await rig.call('POST', '/v1/push', { to: { devices: [iphone, android], tokens: [{ provider: 'fcm', token: raw }] }, notification: { title: 'Hi' }, category });
    assert.equal(sent.status, 202, JSON.stringify(sent.json));
    const pushId = sent.json.id as string;
    await eventually('three sent rows', async () => (await rowsOf(pushId)).filter((r) => r.state === 'sent').length === 3);
    const rows = (await rowsOf(pushId)).filter((r) => r.state === 'sent');
    const byDevice = (id: string | null) => rows.find((r) => r.device_id === id)!;
    assert.deepEqual(
      [iphone, android, null].map((id) => { const r = byDevice(id); return { provider: r.provider, app: r.app, platform: r.platform, category: r.category }; }),
      [
        { provider: 'apns', app: 'default', platform: 'ios', category },
        { provider: 'fcm', app: 'default', platform: 'android', category },
        { provider: 'fcm', app: 'default', platform: null, category },
      ],
    );
    for (const r of rows) {
      assert.ok(r.latency_ms !== null && Number(r.latency_ms) >= 0, `a send latency for ${r.delivery_id}`);
      assert.equal(r.attempt, 1);
    }
  });

  it('deliveries a send window drops or holds back become dropped and queued rows with their device\'s platform', async () => {
    const category = `c${randomBytes(4).toString('hex')}`;
    const nowhere = await register(rig, 'fcm', fcmToken(), 'android');
    const later = (await rig.call('POST', '/v1/devices', { provider: 'apns', token: randomBytes(32).toString('hex'), platform: 'ios', timezone: 'UTC' })).json.id as string;
    // Opens two hours from now in UTC: the device without a zone is dropped, the one in UTC waits.
    const sent = await rig.call('POST', '/v1/push', {
      to: { devices: [nowhere, later] }, notification: { title: 'Later' }, category,
      limits: { window: { after: utcHourFromNow(2), before: utcHourFromNow(3) } },
    });
    assert.equal(sent.status, 202, JSON.stringify(sent.json));
    const pushId = sent.json.id as string;
    await eventually('the dropped and queued rows', async () => {
      const states = (await rowsOf(pushId)).map((r) => r.state);
      return states.includes('dropped') && states.includes('queued');
    });
    const rows = await rowsOf(pushId);
    const dropped = rows.find((r) => r.state === 'dropped')!;
    assert.deepEqual(
      { device: dropped.device_id, provider: dropped.provider, app: dropped.app, platform: dropped.platform, category: dropped.category, latency: dropped.latency_ms, error: dropped.error },
      { device: nowhere, provider: 'fcm', app: 'default', platform: 'android', category, latency: null, error: 'device has no time zone' },
    );
    const queued = rows.find((r) => r.state === 'queued')!;
    assert.deepEqual(
      { device: queued.device_id, provider: queued.provider, app: queued.app, platform: queued.platform, category: queued.category, latency: queued.latency_ms },
      { device: later, provider: 'apns', app: 'default', platform: 'ios', category, latency: null },
    );
    assert.match(queued.error!, /outside the send window/);
    assert.equal((await rig.call('DELETE', `/v1/push/${pushId}`)).json.cancelled, 1, 'the held delivery is withdrawn');
  });

  it('an invalid token becomes an invalid_token row with the provider\'s error', async () => {
    const token = fcmToken();
    rig.fcm.script(token, { error: 'UNREGISTERED' });
    const category = `c${randomBytes(4).toString('hex')}`;
    const { pushId, deviceIds } = await pushTo(rig, [token], { category });
    await eventually('the invalid_token row', async () => (await rowsOf(pushId)).some((r) => r.state === 'invalid_token'));
    const row = (await rowsOf(pushId)).find((r) => r.state === 'invalid_token')!;
    assert.equal(row.device_id, deviceIds[0]);
    assert.equal(row.app, 'default');
    assert.equal(row.platform, 'android', 'read before the device is pruned: it is only marked invalid');
    assert.equal(row.category, category);
    assert.equal(row.attempt, 1);
    assert.equal(row.provider, 'fcm');
    assert.equal(row.status, 404);
    assert.ok(row.error && row.error.length > 0, 'the reason is kept');
    assert.equal(row.latency_ms, null);
  });

  it('a status report becomes a delivered row with the device\'s platform', async () => {
    const { pushId, deviceIds } = await pushTo(rig, [fcmToken()]);
    await eventually('the push sent', async () => (await rig.call('GET', `/v1/push/${pushId}`)).json.counts?.sent === 1);
    const reported = await rig.call('POST', `/v1/push/${pushId}/status`, { device: deviceIds[0], status: 'delivered' });
    assert.ok(reported.status < 300, JSON.stringify(reported.json));
    await eventually('the delivered row', async () => (await rowsOf(pushId)).some((r) => r.state === 'delivered'));
    const row = (await rowsOf(pushId)).find((r) => r.state === 'delivered')!;
    assert.equal(row.device_id, deviceIds[0]);
    assert.equal(row.provider, 'fcm');
    assert.equal(row.platform, 'android');
    assert.equal(row.app, 'default');
    assert.equal(row.latency_ms, null, 'a report has no send latency');
    const sent = (await rowsOf(pushId)).find((r) => r.state === 'sent')!;
    assert.equal(sent.platform, 'android');
    assert.equal(row.delivery_id, sent.delivery_id, 'the report names the same delivery');
  });

  it('a notify channel delivery becomes notify rows with the notification id and channel', async () => {
    assert.equal((await rig.call('PUT', '/v1/categories/export-news', { channels: ['inapp'] })).status, 200);
    const put = await rig.call('PUT', '/v1/templates/export-hello', { category: 'export-news', channels: { inapp: { title: 'Hello', body: 'Item' } } });
    assert.ok(put.status < 300, JSON.stringify(put.json));
    const subscriber = `s-${randomBytes(5).toString('hex')}`;
    assert.equal((await rig.call('PUT', `/v1/subscribers/${subscriber}`, {})).status, 201);
    const sent = await rig.call('POST', '/v1/notify', { template: 'export-hello', category: 'export-news', to: { subscribers: [subscriber] }, channels: ['inapp'] });
    assert.equal(sent.status, 202, JSON.stringify(sent.json));
    const id = sent.json.id as string;
    await eventually('a sent notify row', async () => (await rowsOf(id)).some((r) => r.state === 'sent'));
    const row = (await rowsOf(id)).find((r) => r.state === 'sent')!;
    assert.equal(row.kind, 'notify');
    assert.equal(row.channel, 'inapp');
    assert.equal(row.subscriber_id, subscriber);
    assert.equal(row.category, 'export-news');
    assert.ok(row.latency_ms !== null && Number(row.latency_ms) >= 0, 'a send latency');
    // Every row of the notification names its channel and category; the push-only fields stay empty.
    for (const r of await rowsOf(id)) {
      assert.deepEqual(
        { channel: r.channel, category: r.category, subscriber: r.subscriber_id, provider: r.provider, app: r.app, platform: r.platform, device: r.device_id, delivery: r.delivery_id },
        { channel: 'inapp', category: 'export-news', subscriber, provider: null, app: null, platform: null, device: null, delivery: null },
        `the ${r.state} row`,
      );
      if (r.state !== 'sent') assert.equal(r.latency_ms, null, `no latency on the ${r.state} row`);
    }
  });
});

describe('analytics export from deliveries on the main thread', { skip }, () => {
  let rig: PushRig;
  let schema: Awaited<ReturnType<typeof freshPostgresSchema>>;
  before(async () => {
    schema = await freshPostgresSchema('analytics export main thread');
    rig = await startPushRig({
      'analytics-export-url': POSTGRES_URL,
      'analytics-export-table': `${schema.schema}.delivery_events`,
      'analytics-export-flush-interval': '50ms',
      'push-delivery-threads': 'false',
    });
  });
  after(async () => {
    await rig?.close();
    await schema?.drop();
  });

  it('a sent push\'s row has its device\'s platform there too', async () => {
    const category = `c${randomBytes(4).toString('hex')}`;
    const { pushId, deviceIds } = await pushTo(rig, [fcmToken()], { category });
    const rows = () => query<EventRow>(POSTGRES_URL, `SELECT * FROM ${schema.schema}.delivery_events WHERE message_id = $1`, [pushId]).catch(() => []);
    await eventually('the sent row', async () => (await rows()).some((r) => r.state === 'sent'));
    const row = (await rows()).find((r) => r.state === 'sent')!;
    assert.deepEqual(
      { device: row.device_id, provider: row.provider, app: row.app, platform: row.platform, category: row.category },
      { device: deviceIds[0], provider: 'fcm', app: 'default', platform: 'android', category },
    );
    assert.ok(row.latency_ms !== null && Number(row.latency_ms) >= 0, 'a send latency');
  });
});

describe('analytics export to a database that cannot be reached', { skip }, () => {
  let rig: PushRig;
  before(async () => {
    // Port 1 refuses at once; deliveries run on the main thread here, the other path rows take.
    const unreachable = new URL(POSTGRES_URL);
    unreachable.port = '1';
    rig = await startPushRig({
      'analytics-export-url': unreachable.toString(),
      'analytics-export-buffer-limit': '2',
      'analytics-export-flush-interval': '50ms',
      'push-delivery-threads': 'false',
      'enable-metrics': 'true',
      'api-key-request-limit-burst': '100000',
    });
  });
  after(() => rig?.close());

  it('deliveries still succeed, and the rows past the buffer are counted as dropped', async () => {
    const { pushId } = await pushTo(rig, [fcmToken(), fcmToken(), fcmToken(), fcmToken()]);
    await eventually('the push sent', async () => (await rig.call('GET', `/v1/push/${pushId}`)).json.counts?.sent === 4);
    await eventually('rows dropped', async () => (await metric(rig, 'herald_analytics_export_dropped_total')) >= 2);
    await eventually('failed writes counted', async () => (await metric(rig, 'herald_analytics_export_failures_total')) >= 1);
    assert.equal(await metric(rig, 'herald_analytics_export_rows_total'), 0);
    assert.ok((await metric(rig, 'herald_analytics_export_buffered_rows')) <= 2, 'the buffer stays within its limit');
  });
});
