import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import fc from 'fast-check';
import { startPushRig, type PushRig } from '../helpers/push-rig.js';
import type { TestServer } from '../helpers/server.js';

let rig: PushRig;
let server: TestServer;
// The push routes need providers to get past their first checks, so the fuzzed server has one app
// of each, pointing at the protocol mocks.
before(async () => {
  rig = await startPushRig({ 'auth-file': 'auth.db', 'base-url': 'http://fuzz.test', 'enable-signup': 'true' });
  server = rig.server;
});
after(() => rig.close());

/** Paths of every route family, with holes the fuzzer fills. */
const PATHS = [
  '/', '/{t}', '/{t}/json', '/{t}/sse', '/{t}/raw', '/{t}/ws', '/{t}/auth', '/{t}/publish', '/{t}/send', '/{t}/trigger',
  '/{t},{t}/json', '/file/{t}', '/file/{t}.{t}', '/v1/health', '/v1/stats', '/v1/account', '/v1/account/password',
  '/v1/account/token', '/v1/users', '/v1/users/access', '/_matrix/push/v1/notify', '/metrics', '/{t}/{t}', '/{t}/{t}/{t}',
  '/v1/devices', '/v1/devices/{t}', '/v1/devices/{t}/topics', '/v1/users/{t}/topics', '/v1/push', '/v1/push/{t}',
  '/v1/push/{t}/deliveries', '/v1/push/{t}/status', '/v1/push/stats', '/v1/push/preview', '/v1/dlq', '/v1/dlq/replay', '/v1/webpush',
  '/v1/webpush/vapid', '/v1/subscriber-tokens', '/v1/keys', '/v1/audit', '/v1/users/tokens',
  '/v1/subscribers/{t}', '/v1/subscribers/{t}/export', '/v1/subscribers/{t}/preferences', '/v1/subscribers/{t}/preference-links',
  '/v1/subscribers/{t}/inbox', '/v1/subscribers/{t}/inbox/{t}', '/v1/subscribers/{t}/inbox/read-all', '/v1/categories/{t}',
  '/v1/templates/{t}', '/v1/templates/{t}/preview', '/v1/notify', '/v1/notify/{t}', '/v1/preferences/{t}',
  '/v1/notify/sms/status', '/v1/notify/email/events',
];
const HEADER_NAMES = [
  'X-Title', 'X-Message', 'X-Priority', 'Priority', 'X-Tags', 'X-Delay', 'X-Actions', 'X-Click', 'X-Attach', 'X-Filename',
  'X-Icon', 'X-Markdown', 'X-Email', 'X-Call', 'X-Cache', 'X-Firebase', 'X-UnifiedPush', 'X-Template', 'X-Poll-ID',
  'Authorization', 'Content-Type', 'Content-Encoding', 'X-Token', 'X-Forwarded-For', 'Since', 'X-Since',
];
const QUERY_NAMES = ['poll', 'since', 'scheduled', 'priority', 'tags', 'title', 'message', 'id', 'up', 'auth', 'p', 't', 'm', 'delay', 'actions',
  'limit', 'cursor', 'state', 'provider', 'app', 'user', 'topic', 'until', 'username', 'actor', 'action'];

const segment = fc.oneof(
  fc.stringMatching(/^[-_A-Za-z0-9]{1,70}$/),
  fc.string({ maxLength: 20 }).map((s) => encodeURIComponent(s)),
  fc.constantFrom('%ZZ', '%00', '..', '%2F', 'a.b', 'docs', 'v1', '*', '%E0%A4%A'),
);
const headerValue = fc.oneof(
  fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
  fc.constantFrom('Basic Og==', 'Bearer tk_aaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'Basic !!!', '=?UTF-8?B?////?=', '[{"action":1}]', 'tomorrow', '-1', '99999999999', 'u=1, i', 'aes128gcm', 'text/markdown', 'yes', 'view, x'),
);
const pushBody = fc.record({
  id: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
  to: fc.record({
    devices: fc.option(fc.array(fc.oneof(fc.string(), fc.constant('dev_AAAAAAAAAAAAAAAA')), { maxLength: 3 }), { nil: undefined }),
    users: fc.option(fc.array(fc.string(), { maxLength: 3 }), { nil: undefined }),
    topics: fc.option(fc.array(segment, { maxLength: 3 }), { nil: undefined }),
    tokens: fc.option(fc.array(fc.record({ provider: fc.constantFrom('apns', 'fcm', 'hms', 'webpush', 'x'), token: fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-f]{64}$/), fc.jsonValue({ maxDepth: 2 })) }), { maxLength: 3 }), { nil: undefined }),
  }, { requiredKeys: [] }),
  notification: fc.option(fc.record({ title: fc.string(), body: fc.string(), badge: fc.integer({ min: -5, max: 10 }), data: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())) }, { requiredKeys: [] }), { nil: undefined }),
  apns: fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }),
  fcm: fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }),
  webpush: fc.option(fc.record({ ttl: fc.integer(), urgency: fc.string(), topic: fc.string() }, { requiredKeys: [] }), { nil: undefined }),
  priority: fc.option(fc.constantFrom('high', 'normal', 'low', 'urgent'), { nil: undefined }),
  send_at: fc.option(fc.oneof(fc.string(), fc.date({ noInvalidDate: true }).map((d) => d.toISOString())), { nil: undefined }),
  expires_at: fc.option(fc.oneof(fc.string(), fc.date({ noInvalidDate: true }).map((d) => d.toISOString())), { nil: undefined }),
}, { requiredKeys: [] }).map((v) => JSON.stringify(v));
const deviceBody = fc.record({
  provider: fc.constantFrom('apns', 'fcm', 'hms', 'webpush', 'x'),
  token: fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-f]{64,80}$/), fc.record({ endpoint: fc.webUrl(), keys: fc.record({ p256dh: fc.base64String(), auth: fc.base64String() }) })),
  id: fc.option(fc.string(), { nil: undefined }),
  user: fc.option(fc.oneof(fc.string(), fc.constant(null)), { nil: undefined }),
  topics: fc.option(fc.array(segment, { maxLength: 3 }), { nil: undefined }),
  timezone: fc.option(fc.oneof(fc.string(), fc.constantFrom('Europe/Paris', 'Pacific/Chatham')), { nil: undefined }),
  locale: fc.option(fc.string(), { nil: undefined }),
  op: fc.option(fc.constantFrom('set', 'add', 'remove', 'nuke'), { nil: undefined }),
  status: fc.option(fc.constantFrom('delivered', 'interacted', 'seen'), { nil: undefined }),
  device: fc.option(fc.string(), { nil: undefined }),
  ids: fc.option(fc.array(fc.string(), { maxLength: 3 }), { nil: undefined }),
  endpoint: fc.option(fc.webUrl(), { nil: undefined }),
}, { requiredKeys: [] }).map((v) => JSON.stringify(v));
const notifyBody = fc.record({
  template: fc.oneof(fc.string({ maxLength: 20 }), fc.constant('t1')),
  to: fc.oneof(fc.record({ subscribers: fc.array(fc.oneof(fc.string(), fc.constant('s1')), { maxLength: 3 }) }), fc.record({ topic: segment }), fc.jsonValue({ maxDepth: 2 })),
  data: fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }),
  channels: fc.option(fc.array(fc.constantFrom('push', 'email', 'sms', 'webhook', 'inapp', 'fax'), { maxLength: 4 }), { nil: undefined }),
  strategy: fc.option(fc.constantFrom('all', 'fallback', 'some'), { nil: undefined }),
  priority: fc.option(fc.constantFrom('critical', 'high', 'normal', 'low', 'max'), { nil: undefined }),
  send_at: fc.option(fc.oneof(fc.string(), fc.constant('2030-01-01T09:00')), { nil: undefined }),
  quiet_hours: fc.option(fc.record({ start: fc.string(), end: fc.string() }), { nil: undefined }),
  frequency_caps: fc.option(fc.array(fc.record({ max: fc.integer(), per: fc.string() })), { nil: undefined }),
  channels_map: fc.option(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })), { nil: undefined }),
}, { requiredKeys: [] }).map((v) => JSON.stringify(v));
const body = fc.oneof(
  pushBody,
  notifyBody,
  deviceBody,
  fc.constant(''),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 6000 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.record({ topic: segment, message: fc.string(), priority: fc.integer({ min: -2, max: 9 }), tags: fc.array(fc.string()) }).map((v) => JSON.stringify(v)),
  fc.record({ username: fc.string(), password: fc.string(), topic: fc.string(), permission: fc.string() }).map((v) => JSON.stringify(v)),
);
const requestArb = fc.record({
  method: fc.constantFrom('GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE', 'OPTIONS'),
  path: fc.tuple(fc.constantFrom(...PATHS), fc.array(segment, { minLength: 3, maxLength: 3 })),
  query: fc.array(fc.tuple(fc.constantFrom(...QUERY_NAMES), fc.string({ maxLength: 30 })), { maxLength: 4 }),
  headers: fc.array(fc.tuple(fc.constantFrom(...HEADER_NAMES), headerValue), { maxLength: 5 }),
  admin: fc.boolean(),
  body,
});

type FuzzRequest = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

function send(r: FuzzRequest): Promise<number> {
  let i = 0;
  const path = r.path[0].replace(/\{t\}/g, () => r.path[1][i++ % 3]!);
  const qs = r.query.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  const headers: Record<string, string> = {};
  // Most /v1 requests carry the admin key, so the fuzzer reaches the handlers, not just the 401.
  if (r.admin) headers.Authorization = rig.admin;
  for (const [k, v] of r.headers) headers[k] = v;
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}${qs ? `?${qs}` : ''}`, { method: r.method, headers, agent: false, timeout: 3000 }, (res) => {
      res.resume();
      // Streams stay open: the status line is what counts.
      resolve(res.statusCode ?? 0);
      setTimeout(() => req.destroy(), 10);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.message === 'socket hang up' ? resolve(0) : reject(err)));
    if (r.method !== 'GET' && r.method !== 'HEAD' && r.body !== '') req.end(r.body);
    else req.end();
  });
}

test('random and malformed requests to every route never get a 5xx and leave the server healthy', async () => {
  const seen = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(requestArb, async (r) => {
      const status = await send(r);
      seen.set(status, (seen.get(status) ?? 0) + 1);
      assert.ok(status < 500, `${r.method} ${r.path[0]} → ${status}`);
    }),
    { numRuns: 1500, seed: Number(process.env.HERALD_FUZZ_SEED ?? Date.now() % 2 ** 31) },
  );
  assert.ok((seen.get(200) ?? 0) > 0 && [...seen.keys()].some((s) => s >= 400), `a mix of outcomes: ${JSON.stringify([...seen])}`);
  const health = await fetch(`${server.url}/v1/health`);
  assert.equal(await health.text(), '{"healthy":true}\n');
});
