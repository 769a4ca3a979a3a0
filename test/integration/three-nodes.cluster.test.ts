import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { openPostgres, type PostgresDatabase } from '../../src/adapters/postgres/open-postgres.js';
import type { PostgresMigrations } from '../../src/adapters/postgres/migrate.js';
import { AUTH_MIGRATIONS } from '../../src/adapters/postgres/auth/migrations.js';
import { DEVICE_MIGRATIONS } from '../../src/adapters/postgres/devices/migrations.js';
import { API_KEY_MIGRATIONS, AUDIT_MIGRATIONS, SERVER_SECRET_MIGRATIONS } from '../../src/adapters/postgres/herald-db/migrations.js';
import { CACHE_MIGRATIONS } from '../../src/adapters/postgres/message-cache/migrations.js';
import { NOTIFY_MIGRATIONS } from '../../src/adapters/postgres/notify/migrations.js';
import { PUSH_MIGRATIONS } from '../../src/adapters/postgres/push/migrations.js';
import { QUEUE_MIGRATIONS } from '../../src/adapters/postgres/queue/migrations.js';
import { createRedisCounters } from '../../src/adapters/redis/redis-counters.js';
import { loadConfig } from '../../src/config/index.js';
import { CLI_CONTEXT } from '../../src/core/audit/audit-trail.js';
import { CHUNK_SIZE } from '../../src/core/push/jobs.js';
import { openAuth, openKeys } from '../../src/main.js';
import { silentLogger } from '../../src/ports/logger.js';
import { startApnsMock, type ApnsMock } from '../mocks/apns/mock.js';
import { startFcmMock, type FcmMock } from '../mocks/fcm/mock.js';
import { startSmtpSink, type SmtpSink } from '../mocks/smtp/smtp-sink.js';
import { testCertificate } from '../mocks/tls.js';
import { killHeraldProcesses, restartablePort, spawnHerald, untilHealthy, type HeraldProcess } from '../helpers/herald-process.js';
import { APNS_KEY_ID, APNS_TEAM_ID, BUNDLE_ID } from '../helpers/push-rig.js';
import { seedPostgresDevices } from '../helpers/seed-postgres-devices.js';
import { randomTopic } from '../helpers/server.js';
import { freshPostgresSchema, namespaceFor, REDIS_URL, serviceSkip } from '../helpers/services.js';
import { nextEvents, openStream, type LineStream } from '../helpers/streams.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { eventually, eventuallyValue } from '../helpers/wait.js';

// Issue 12, "Tests": three `herald serve` processes on one PostgreSQL schema and one Redis, as an
// installation behind a load balancer runs them. Each node has APNs and FCM mocks of its own (same
// credentials, different ports), so every send at a mock is known to come from that node's workers.
// Every node reaches Redis through one TCP proxy, which the outage test cuts.

const skip = (await serviceSkip('postgres')) ?? (await serviceSkip('redis'));

/** Deliveries in flight per provider app and node (push-concurrency). */
const PUSH_CONCURRENCY = 250;
/** The visitor request burst every node is given; the bucket never refills during the file. */
const VISITOR_BURST = 6;
const BROADCAST_DEVICES = 50_000;
/** Streams each FCM mock allows per connection; every node opens one connection to its mock. */
const FCM_STREAMS = 50;

interface Node {
  readonly name: 'A' | 'B' | 'C';
  readonly url: string;
  readonly apns: ApnsMock;
  readonly fcm: FcmMock;
  readonly process: HeraldProcess;
}

/** A parsed response body, read field by field by the assertions. */
type Json = any;

describe('three Herald processes on one PostgreSQL schema and one Redis', { ...(skip !== undefined ? { skip } : {}) }, () => {
  let dir: string;
  let schema: Awaited<ReturnType<typeof freshPostgresSchema>>;
  let db: PostgresDatabase;
  let proxy: TcpProxy;
  let smtp: SmtpSink;
  let redisPrefix: string;
  let nodes: Node[] = [];
  let A: Node;
  let B: Node;
  let C: Node;
  /** `Bearer hk_…` of a key with every scope. */
  let admin: string;
  const boss = `Basic ${Buffer.from('boss:boss-pass').toString('base64')}`;
  const alice = `Basic ${Buffer.from('alice:alice-pass').toString('base64')}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-three-'));
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dir, 'AuthKey.p8'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'ca.pem'), testCertificate().cert);
    smtp = await startSmtpSink();
    const redis = new URL(REDIS_URL);
    proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port) });
    schema = await freshPostgresSchema('three nodes');
    redisPrefix = `${namespaceFor('three nodes')}:`;

    const planned = await Promise.all((['A', 'B', 'C'] as const).map(async (name) => {
      const apns = await startApnsMock({ token: { publicKey, keyId: APNS_KEY_ID, teamId: APNS_TEAM_ID }, bundleId: BUNDLE_ID });
      const fcm = await startFcmMock({ maxConcurrentStreams: FCM_STREAMS });
      const serviceAccount = join(dir, `service-account-${name}.json`);
      writeFileSync(serviceAccount, JSON.stringify(fcm.serviceAccount));
      const port = await restartablePort();
      const flags: Record<string, string> = {
        'listen-http': `127.0.0.1:${port}`,
        'database-url': schema.url,
        'database-pool-size': '8',
        'redis-url': proxy.via(REDIS_URL),
        'redis-prefix': redisPrefix,
        'attachment-cache-dir': '',
        'log-level': 'warn',
        'enable-metrics': 'true',
        apns: JSON.stringify([{ name: 'default', 'bundle-id': BUNDLE_ID, 'base-url': apns.url, 'key-file': join(dir, 'AuthKey.p8'), 'key-id': APNS_KEY_ID, 'team-id': APNS_TEAM_ID, 'ca-file': join(dir, 'ca.pem') }]),
        fcm: JSON.stringify([{ name: 'default', 'service-account-file': serviceAccount, 'base-url': fcm.url, 'ca-file': join(dir, 'ca.pem'), connections: 1 }]),
        'push-concurrency': String(PUSH_CONCURRENCY),
        // A killed node's batches come back to the others after this long; long enough that no
        // batch of a live node, however slow the machine, is taken for one of a dead node.
        'push-visibility-timeout': '20s',
        'push-retry-base': '50ms',
        'push-retry-max': '500ms',
        'smtp-sender-addr': `127.0.0.1:${smtp.port}`,
        'smtp-sender-from': 'Herald <noreply@herald.test>',
        'smtp-sender-tls': 'none',
        // The test's own requests come from 127.0.0.1 and are exempt; a visitor of the burst test
        // names itself in X-Forwarded-For.
        'behind-proxy': 'true',
        'visitor-request-limit-exempt-hosts': '127.0.0.1,::1',
        'visitor-request-limit-burst': String(VISITOR_BURST),
        'visitor-request-limit-replenish': '1h',
        'api-key-request-limit-burst': '100000',
      };
      const args = ['serve', ...Object.entries(flags).map(([k, v]) => `--${k}=${v}`)];
      return { name, url: `http://127.0.0.1:${port}`, apns, fcm, args };
    }));
    // All three at once on the empty schema: test e reads what their migrations left. On a busy
    // machine three processes loading and migrating together take a while.
    nodes = planned.map(({ args, ...node }) => ({ ...node, process: spawnHerald(args) }));
    await Promise.all(nodes.map((n) => untilHealthy(n.url, n.process, 120_000)));
    [A, B, C] = nodes as [Node, Node, Node];

    db = await openPostgres({ url: schema.url, poolSize: 2 });
    const config = loadConfig({ env: {}, flags: { 'database-url': schema.url } }).config;
    const keys = await openKeys(config);
    try {
      admin = `Bearer ${(await keys.keys.create(CLI_CONTEXT, { name: 'three-nodes', scopes: ['admin'] })).secret}`;
    } finally {
      await keys.close();
    }
    const accounts = (await openAuth(config))!;
    try {
      await accounts.auth.addUser('boss', 'boss-pass', 'admin');
      await accounts.auth.addUser('alice', 'alice-pass', 'user');
    } finally {
      await accounts.close();
    }
  });

  // Bounded: a teardown that waits forever would hold the whole suite (and CI) with it.
  after(async () => {
    await killHeraldProcesses();
    await db?.close();
    await Promise.all(nodes.flatMap((n) => [n.apns.close(), n.fcm.close()]));
    await smtp?.close();
    await proxy?.close();
    if (redisPrefix) {
      const counters = await createRedisCounters({ url: REDIS_URL, keyPrefix: redisPrefix, logger: silentLogger });
      await counters.purge();
      await counters.close();
    }
    await schema?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, { timeout: 120_000 });

  async function call(node: Node, method: string, path: string, body?: unknown, auth = admin): Promise<{ status: number; json: Json }> {
    const res = await fetch(`${node.url}${path}`, {
      method,
      headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text.trim() ? JSON.parse(text.split('\n')[0]!) : undefined };
  }

  async function publish(node: Node, topic: string, message: string): Promise<string> {
    const res = await fetch(`${node.url}/${topic}`, { method: 'POST', body: message });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    return (JSON.parse(text) as { id: string }).id;
  }

  /** Ids of the cached messages of `topic` that node answers for `since`. */
  async function cachedIds(node: Node, topic: string, since: string): Promise<string[]> {
    const res = await fetch(`${node.url}/${topic}/json?poll=1&since=${since}`);
    assert.equal(res.status, 200);
    return (await res.text()).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id);
  }

  /** Deliveries the node's workers of a partition have in hand (its /metrics gauge). */
  async function pushInFlight(node: Node, partition: string): Promise<number> {
    const text = await (await fetch(`${node.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`herald_push_in_flight{partition="${partition}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  async function health(node: Node): Promise<{ status: number; body: Json }> {
    const res = await fetch(`${node.url}/v1/health`);
    return { status: res.status, body: await res.json() };
  }

  /** Next message event of a /json stream, keepalives skipped. */
  async function nextMessage(stream: LineStream): Promise<Record<string, unknown>> {
    for (;;) {
      const [event] = await nextEvents(stream);
      if (event?.event === 'message') return event;
    }
  }

  /** Next event of an SSE stream with its data parsed (comments skipped); unnamed is `message`, as EventSource has it. */
  async function nextSse(stream: LineStream): Promise<{ event: string; data: Json }> {
    let event = 'message';
    for (;;) {
      const [line] = await stream.next();
      if (line!.startsWith('event: ')) event = line!.slice('event: '.length);
      else if (line!.startsWith('data: ')) return { event, data: JSON.parse(line!.slice('data: '.length)) };
    }
  }

  /** Resolves once the server has ended `stream`; fails if it is still open at the deadline. */
  async function ended(stream: LineStream): Promise<void> {
    for (;;) {
      try {
        await stream.next();
      } catch (err) {
        assert.match((err as Error).message, /stream ended/, 'the stream is still open');
        return;
      }
    }
  }

  it('e. three nodes started at once on an empty schema migrated it once, and all of them serve', async () => {
    const stores: PostgresMigrations[] = [CACHE_MIGRATIONS, API_KEY_MIGRATIONS, AUDIT_MIGRATIONS, SERVER_SECRET_MIGRATIONS, AUTH_MIGRATIONS, DEVICE_MIGRATIONS, QUEUE_MIGRATIONS, NOTIFY_MIGRATIONS, PUSH_MIGRATIONS];
    for (const m of stores) {
      const expected = Object.keys(await m.provider.getMigrations()).sort();
      const { rows } = await db.pool.query<{ name: string }>(`SELECT name FROM ${m.migrationTableName} ORDER BY name`);
      assert.deepEqual(rows.map((r) => r.name), expected, `${m.migrationTableName} lists each migration once`);
    }
    for (const node of nodes) {
      assert.deepEqual(await health(node), { status: 200, body: { healthy: true, database: 'ok', redis: 'ok' } }, `node ${node.name}`);
      assert.doesNotMatch(node.process.stderr(), /migrat/i, `node ${node.name} logged no migration trouble`);
    }
  });

  it('a. a message published on A reaches live subscribers on B and C over json, sse and ws; since=<id> works on every node', async () => {
    const topic = randomTopic();
    const streams: LineStream[] = [];
    const sockets: WebSocket[] = [];
    try {
      const subscribers = await Promise.all([B, C].map(async (node) => {
        const json = await openStream(`${node.url}/${topic}/json`);
        const sse = await openStream(`${node.url}/${topic}/sse`);
        const frames: Json[] = [];
        const ws = new WebSocket(`${node.url.replace('http', 'ws')}/${topic}/ws`);
        ws.on('message', (data) => frames.push(JSON.parse(data.toString())));
        streams.push(json, sse);
        sockets.push(ws);
        assert.equal((await nextEvents(json))[0]!.event, 'open');
        assert.equal((await nextSse(sse)).event, 'open');
        await eventually(`the ws open frame on ${node.name}`, () => frames.length >= 1);
        return { node, json, sse, frames };
      }));

      const first = await publish(A, topic, 'first, through A');
      for (const s of subscribers) {
        const viaJson = await nextMessage(s.json);
        assert.deepEqual([viaJson.id, viaJson.message], [first, 'first, through A'], `json on ${s.node.name}`);
        const viaSse = await nextSse(s.sse);
        assert.deepEqual([viaSse.event, viaSse.data.id], ['message', first], `sse on ${s.node.name}`);
        await eventually(`the ws message on ${s.node.name}`, () => s.frames.some((f) => f.event === 'message'));
        assert.equal(s.frames.find((f) => f.event === 'message').id, first, `ws on ${s.node.name}`);
      }

      const second = await publish(B, topic, 'second, through B');
      const third = await publish(C, topic, 'third, through C');
      for (const node of nodes) {
        assert.deepEqual(await cachedIds(node, topic, first), [second, third], `since=<first id> on ${node.name}`);
        assert.deepEqual(await cachedIds(node, topic, second), [third], `since=<second id> on ${node.name}`);
        assert.deepEqual(await cachedIds(node, topic, 'all'), [first, second, third], `since=all on ${node.name}`);
      }
    } finally {
      for (const s of streams) s.close();
      for (const ws of sockets) ws.close();
    }
  });

  it('a. an inbox stream on B sees the items of notifications sent through A, and the reads done through C', async () => {
    assert.ok((await call(A, 'PUT', '/v1/categories/three-news', { channels: ['inapp'] })).status < 300);
    const template = await call(A, 'PUT', '/v1/templates/three-note', { category: 'three-news', channels: { inapp: { title: 'Note {{ n }}', body: 'Body {{ n }}' } } });
    assert.ok(template.status < 300, JSON.stringify(template.json));
    const id = `three-${randomBytes(4).toString('hex')}`;
    assert.equal((await call(C, 'PUT', `/v1/subscribers/${id}`, {})).status, 201);
    const token = (await call(B, 'POST', '/v1/subscriber-tokens', { subscriber: id })).json.token as string;
    const stream = await openStream(`${B.url}/v1/subscribers/${id}/inbox/stream`, { authorization: `Bearer ${token}` });
    try {
      assert.equal(stream.status, 200);
      assert.deepEqual(await nextSse(stream), { event: 'unread', data: { unread: 0 } });
      const sent = await call(A, 'POST', '/v1/notify', { template: 'three-note', to: { subscribers: [id] }, data: { n: '1' } });
      assert.equal(sent.status, 202, JSON.stringify(sent.json));
      const item = await nextSse(stream);
      assert.equal(item.event, 'item');
      assert.equal(item.data.unread, 1);
      assert.equal(item.data.item.notification_id, sent.json.id);
      assert.equal(item.data.item.title, 'Note 1');
      assert.equal((await call(C, 'PATCH', `/v1/subscribers/${id}/inbox/${item.data.item.id}`, { read: true }, `Bearer ${token}`)).status, 200);
      assert.deepEqual(await nextSse(stream), { event: 'unread', data: { unread: 0 } });
    } finally {
      stream.close();
    }
  });

  it("c. a visitor's request burst across the three nodes is the configured burst, not three times it", async () => {
    const topic = randomTopic();
    const visitor = `203.0.113.${1 + Math.floor(Math.random() * 250)}`;
    // All at once, spread over the nodes: the nodes take from one bucket in Redis, atomically.
    const statuses = await Promise.all(Array.from({ length: 5 * VISITOR_BURST }, async (_, i) => {
      const res = await fetch(`${nodes[i % 3]!.url}/${topic}/json?poll=1`, { headers: { 'X-Forwarded-For': visitor } });
      const text = await res.text();
      if (res.status === 429) assert.equal((JSON.parse(text) as { code: number }).code, 42901);
      return res.status;
    }));
    assert.equal(statuses.filter((s) => s === 200).length, VISITOR_BURST, `statuses ${statuses.join(' ')}`);
    assert.equal(statuses.filter((s) => s === 429).length, 4 * VISITOR_BURST);
  });

  it('c. a frequency cap holds when sends to the subscriber go through A, B and C at once', async () => {
    assert.ok((await call(A, 'PUT', '/v1/categories/three-orders', { channels: ['email'] })).status < 300);
    assert.ok((await call(B, 'PUT', '/v1/templates/three-shipped', { category: 'three-orders', channels: { email: { subject: 'Order {{ order }}', text: 'Shipped' } } })).status < 300);
    const id = `capped-${randomBytes(4).toString('hex')}`;
    const email = `${id}@example.com`;
    assert.equal((await call(C, 'PUT', `/v1/subscribers/${id}`, { email })).status, 201);
    assert.equal((await call(A, 'PUT', `/v1/subscribers/${id}/preferences`, { frequency_caps: [{ max: 3, per: '1h' }] })).status, 200);

    const sent = await Promise.all(Array.from({ length: 15 }, async (_, i) => {
      const res = await call(nodes[i % 3]!, 'POST', '/v1/notify', { template: 'three-shipped', to: { subscribers: [id] }, data: { order: String(i) } });
      assert.equal(res.status, 202, JSON.stringify(res.json));
      return res.json.id as string;
    }));
    const states = new Map<string, { state: string; channels: { state: string; reason?: string }[] }>();
    await eventually('every notification sent or suppressed', async () => {
      for (const [i, notification] of sent.entries()) {
        if (states.has(notification)) continue;
        const view = await call(nodes[(i + 1) % 3]!, 'GET', `/v1/notify/${notification}`);
        const r = (view.json.deliveries as { subscriber: string; state: string; channels: { state: string; reason?: string }[] }[]).find((d) => d.subscriber === id);
        if (r && (r.state === 'sent' || r.state === 'suppressed')) states.set(notification, r);
      }
      return states.size === sent.length;
    });
    const all = [...states.values()];
    assert.equal(all.filter((s) => s.state === 'sent').length, 3);
    const capped = all.filter((s) => s.state === 'suppressed');
    assert.equal(capped.length, 12);
    for (const s of capped) assert.deepEqual(s.channels.map((c) => [c.state, c.reason]), [['suppressed', 'frequency_cap: all categories: 3 per 1h']]);
    const mails = () => smtp.messages.filter((m) => m.to.includes(email)).length;
    await eventually('the three mails at the SMTP server', () => mails() >= 3);
    assert.equal(mails(), 3);
  });

  it('d. a push cancelled through A stops the sends on B (and on C) that had not gone out yet', async () => {
    const topic = randomTopic();
    const id = `cancel-${topic}`;
    // Three send jobs of CHUNK_SIZE targets. A node works one at a time (push-concurrency is one
    // job's worth), so each node takes one; the held provider lets FCM_STREAMS of its requests out
    // and keeps the rest of the job waiting for a stream.
    assert.equal(PUSH_CONCURRENCY, CHUNK_SIZE);
    const devices = await seedPostgresDevices(db, { count: 3 * CHUNK_SIZE, topic, fcmShare: 1 });
    const tokens = new Set(devices.map((d) => d.token));
    const sendsOf = (n: Node) => n.fcm.requests.filter((r) => tokens.has(String(r.message?.token))).length;
    const barrier = randomTopic();
    const listeners = await Promise.all([B, C].map((n) => openStream(`${n.url}/${barrier}/json`)));
    const releases = nodes.map((n) => n.fcm.hold());
    try {
      for (const l of listeners) await nextEvents(l);
      const accepted = await call(A, 'POST', '/v1/push', { id, to: { topics: [topic] }, notification: { title: 'Soon withdrawn' } });
      assert.equal(accepted.status, 202, JSON.stringify(accepted.json));
      await eventually('every node to have filled its streams to the held provider', () => nodes.every((n) => sendsOf(n) >= FCM_STREAMS));
      assert.deepEqual(nodes.map(sendsOf), [FCM_STREAMS, FCM_STREAMS, FCM_STREAMS]);
      const handedOver = 3 * FCM_STREAMS;

      const cancelled = await call(A, 'DELETE', `/v1/push/${id}`);
      assert.equal(cancelled.status, 200, JSON.stringify(cancelled.json));
      // The bus keeps a node's messages in order: once a topic message A published after the cancel
      // has reached B and C, so has the cancel. Only then may the provider answer and free streams
      // that the waiting requests would otherwise take.
      const after = await publish(A, barrier, 'after the cancel');
      for (const l of listeners) assert.equal((await nextMessage(l)).id, after);
      for (const release of releases) release();

      // The cancel counts a delivery in flight as cancelled until its answer comes; once every
      // node's job has ended, the ones that had gone out are sent.
      const view = await eventuallyValue("every node's job ended", async () => {
        if ((await Promise.all(nodes.map((n) => pushInFlight(n, 'default:fcm')))).some((n) => n > 0)) return undefined;
        const v = (await call(B, 'GET', `/v1/push/${id}`)).json;
        return v.counts.sent >= handedOver ? v : undefined;
      });
      assert.equal(view.state, 'cancelled');
      // The rest of every node's job never went out.
      assert.deepEqual([view.counts.sent, view.counts.cancelled, view.counts.sending, view.counts.queued], [handedOver, devices.length - handedOver, 0, 0]);
      assert.deepEqual(nodes.map(sendsOf), [FCM_STREAMS, FCM_STREAMS, FCM_STREAMS], 'no node sent more of its job after the cancel');
      const held = new Set(nodes.flatMap((n) => n.fcm.requests.map((r) => String(r.message?.token))));
      const byDevice = new Map(devices.map((d) => [d.id, d.token]));
      let cursor: string | undefined;
      let stopped = 0;
      do {
        const page = await call(C, 'GET', `/v1/push/${id}/deliveries?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
        for (const d of page.json.deliveries as { device: string; state: string; last_error?: string }[]) {
          if (held.has(byDevice.get(d.device)!)) continue;
          // Stopped before they reached the provider: no attempt and no error (a timeout would leave one).
          assert.deepEqual([d.state, d.last_error], ['cancelled', undefined], `delivery to ${d.device}`);
          stopped++;
        }
        cursor = page.json.next_cursor;
      } while (cursor);
      assert.equal(stopped, devices.length - handedOver);
    } finally {
      for (const release of releases) release();
      for (const l of listeners) l.close();
    }
  });

  it('d. an access change made through A closes the streams on B that lost access', async () => {
    const topic = randomTopic();
    assert.equal((await call(A, 'PUT', '/v1/users/access', { username: 'alice', topic, permission: 'read-only' }, boss)).status, 200);
    const topicStream = await openStream(`${B.url}/${topic}/json`, { authorization: alice });
    const key = await call(A, 'POST', '/v1/keys', { name: 'inbox-reader', scopes: ['subscribers:read'] });
    assert.equal(key.status, 200, JSON.stringify(key.json));
    const subscriber = `access-${randomBytes(4).toString('hex')}`;
    assert.equal((await call(C, 'PUT', `/v1/subscribers/${subscriber}`, {})).status, 201);
    const inboxStream = await openStream(`${B.url}/v1/subscribers/${subscriber}/inbox/stream`, { authorization: `Bearer ${key.json.key as string}` });
    try {
      assert.equal(topicStream.status, 200);
      assert.equal((await nextEvents(topicStream))[0]!.event, 'open');
      const before = await publish(C, topic, 'alice may read this');
      assert.equal((await nextMessage(topicStream)).id, before);
      assert.equal(inboxStream.status, 200);
      assert.equal((await nextSse(inboxStream)).event, 'unread');

      assert.equal((await call(A, 'PUT', '/v1/users/access', { username: 'alice', topic, permission: 'deny-all' }, boss)).status, 200);
      await ended(topicStream);
      assert.equal((await call(A, 'DELETE', `/v1/keys/${key.json.id as string}`)).status, 200);
      await ended(inboxStream);
    } finally {
      topicStream.close();
      inboxStream.close();
    }
  });

  it('f. Redis cut for 5 s: every node answers 503, no accepted message is lost, live delivery across nodes resumes', async (t) => {
    const topic = randomTopic();
    const onB = await openStream(`${B.url}/${topic}/json`);
    const onC = await openStream(`${C.url}/${topic}/json`);
    try {
      await nextEvents(onB);
      await nextEvents(onC);
      const before = await publish(A, topic, 'before the cut');
      assert.equal((await nextMessage(onB)).id, before);
      assert.equal((await nextMessage(onC)).id, before);

      proxy.cut();
      const cutAt = Date.now();
      const accepted: string[] = [];
      const refused: number[] = [];
      // Publishing goes on for the whole cut, through every node: each publish is either accepted
      // (and must then be kept) or refused with the common error shape, never a 500.
      for (let i = 0; Date.now() - cutAt < 5000; i++) {
        const res = await fetch(`${nodes[i % 3]!.url}/${topic}`, { method: 'POST', body: `during the cut ${i}` });
        const body = (await res.json()) as { id?: string; code?: number; http?: number; error?: string };
        if (res.status === 200) accepted.push(body.id!);
        else {
          assert.ok(res.status !== 500 && body.http === res.status && typeof body.code === 'number' && typeof body.error === 'string', `refused cleanly: ${res.status} ${JSON.stringify(body)}`);
          refused.push(res.status);
        }
      }
      await eventually('readiness 503 on every node', async () => (await Promise.all(nodes.map(health))).every((h) => h.status === 503));
      for (const node of nodes) assert.deepEqual((await health(node)).body, { healthy: false, database: 'ok', redis: 'unreachable' });
      proxy.restore();

      await eventually('readiness 200 again on every node', async () => (await Promise.all(nodes.map(health))).every((h) => h.status === 200));
      for (const node of nodes) {
        const cached = new Set(await cachedIds(node, topic, 'all'));
        const lost = [before, ...accepted].filter((id) => !cached.has(id));
        assert.deepEqual(lost, [], `node ${node.name} has every accepted message`);
      }
      // The streams opened before the cut hear A again once every bus has reconnected (each try
      // reads briefly; a late answer to an earlier try counts just as well).
      for (const [stream, name] of [[onB, 'B'], [onC, 'C']] as const) {
        await eventually(`a message published on A to reach the stream on ${name} again`, async () => {
          await publish(A, topic, 'after the cut');
          for (;;) {
            const [event] = await nextEvents(stream, 1, 1000).catch(() => [undefined]);
            if (!event) return false;
            if (event.event === 'message' && event.message === 'after the cut') return true;
          }
        }, 60_000, 200);
      }
      t.diagnostic(`during the cut: ${accepted.length} publishes accepted, ${refused.length} refused (${[...new Set(refused)].join(', ') || 'none'})`);
    } finally {
      proxy.restore();
      onB.close();
      onC.close();
    }
  });

  it(`b. a ${BROADCAST_DEVICES.toLocaleString('en-US')}-device broadcast accepted by A is sent by all three nodes; after one is SIGKILLed every device still gets it`, { timeout: 300_000 }, async (t) => {
    const topic = randomTopic();
    const devices = await seedPostgresDevices(db, { count: BROADCAST_DEVICES, topic, fcmShare: 0.2 });
    const tokens = new Set(devices.map((d) => d.token));
    const sendsOf = (n: Node) => n.apns.requestCount + n.fcm.counters.sends;
    const before = nodes.map(sendsOf);
    const sentBy = (i: number) => sendsOf(nodes[i]!) - before[i]!;

    const accepted = await call(A, 'POST', '/v1/push', { id: `broadcast-${topic}`, to: { topics: [topic] }, notification: { title: 'To everyone', body: 'hello' } });
    assert.equal(accepted.status, 202, JSON.stringify(accepted.json));
    // Mid-way: every node has sent some, a fifth of the audience is done, the rest is not.
    await eventually('all three nodes sending, a fifth of the broadcast out', () => [0, 1, 2].every((i) => sentBy(i) > 0) && [0, 1, 2].reduce((s, i) => s + sentBy(i), 0) >= BROADCAST_DEVICES / 5, 120_000);
    const victim = C;
    await victim.process.stop('SIGKILL');
    const atKill = [0, 1, 2].map(sentBy);
    assert.ok(atKill.reduce((a, b) => a + b, 0) < BROADCAST_DEVICES, `killed part-way (${atKill.join(' + ')} sends)`);

    let last: Json;
    const view = await eventuallyValue('the broadcast done on the surviving nodes', async () => {
      last = (await call(A, 'GET', `/v1/push/broadcast-${topic}`)).json;
      return last.state === 'done' ? last : undefined;
    }, 240_000, 250).catch((err: Error) => {
      throw new Error(`${err.message}; last view ${JSON.stringify(last)}`);
    });
    assert.equal(view.targets, BROADCAST_DEVICES);
    assert.equal(view.counts.sent, BROADCAST_DEVICES);

    const perToken = new Map<string, number>();
    const victimSent = new Set<string>();
    for (const node of nodes) {
      const sent = [...node.apns.requests.map((r) => r.token), ...node.fcm.requests.map((r) => String(r.message?.token))].filter((tk) => tokens.has(tk));
      for (const tk of sent) {
        perToken.set(tk, (perToken.get(tk) ?? 0) + 1);
        if (node === victim) victimSent.add(tk);
      }
    }
    const missing = devices.filter((d) => !perToken.has(d.token));
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} devices never got a send`);
    const twice = [...perToken].filter(([, n]) => n > 1);
    const final = [0, 1, 2].map(sentBy);
    t.diagnostic(`sends by A, B, C at the kill: ${atKill.join(', ')}; at the end: ${final.join(', ')}; ${twice.length} devices got it twice`);
    assert.ok(final[0]! > atKill[0]! && final[1]! > atKill[1]!, 'the surviving nodes finished the broadcast');
    // A repeat is a delivery the killed node had in flight (sent, its result not yet recorded):
    // no more than its batches in hand, per provider app push-concurrency plus one job's worth.
    assert.deepEqual(twice.filter(([tk, n]) => n > 2 || !victimSent.has(tk)), [], 'every repeat is one of the killed node\'s sends, repeated once');
    const bound = 2 * (PUSH_CONCURRENCY + CHUNK_SIZE - 1);
    assert.ok(twice.length <= bound, `${twice.length} repeats, more than the killed node's in-flight bound of ${bound}`);
  });
});
