import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createRedisBus, type RedisBus } from '../../src/adapters/redis/redis-bus.js';
import { createRedisCounters, type RedisCounters } from '../../src/adapters/redis/redis-counters.js';
import { loadConfig } from '../../src/config/index.js';
import { CLI_CONTEXT } from '../../src/core/audit/audit-trail.js';
import { openKeys } from '../../src/main.js';
import { silentLogger } from '../../src/ports/logger.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { namespaceFor, REDIS_URL, serviceSkip } from '../helpers/services.js';
import { eventually } from '../helpers/wait.js';
import { startSmtpSink, type SmtpSink } from '../mocks/smtp/smtp-sink.js';

const skip = await serviceSkip('redis');

/**
 * Two Herald servers whose bus and counters meet on Redis. Each keeps its own SQLite files, so
 * each has its own notify store and cap-send log: node A's log never sees node B's sends. A
 * subscriber's frequency cap must still hold for the pair, because the slots are taken in the
 * shared counters, atomically, before either node sends.
 */
describe('frequency caps across two nodes on shared Redis counters', { ...(skip !== undefined ? { skip } : {}) }, () => {
  let sink: SmtpSink;
  let counters: RedisCounters[] = [];
  let buses: RedisBus[] = [];
  let nodes: { server: TestServer; auth: string }[] = [];

  before(async () => {
    sink = await startSmtpSink();
    const namespace = namespaceFor('notify shared caps');
    for (let i = 0; i < 2; i++) {
      counters.push(await createRedisCounters({ url: REDIS_URL, keyPrefix: `${namespace}:`, logger: silentLogger }));
      buses.push(await createRedisBus({ url: REDIS_URL, prefix: `${namespace}:`, logger: silentLogger }));
    }
    for (let i = 0; i < 2; i++) {
      const server = await startTestServer({
        'smtp-sender-addr': `127.0.0.1:${sink.port}`,
        'smtp-sender-from': 'Herald <noreply@herald.test>',
        'smtp-sender-tls': 'none',
        'visitor-request-limit-exempt-hosts': '127.0.0.1,::1',
      }, undefined, { counters: counters[i]!, bus: buses[i]! });
      const keys = await openKeys(loadConfig({ env: {}, flags: { 'database-file': join(server.dir, 'herald.db') } }).config);
      const auth = `Bearer ${(await keys.keys.create(CLI_CONTEXT, { name: 'caps', scopes: ['admin'] })).secret}`;
      await keys.close();
      nodes.push({ server, auth });
    }
  });
  after(async () => {
    for (const node of nodes) await node.server.close();
    await counters[0]?.purge();
    for (const c of counters) await c.close();
    for (const b of buses) await b.close();
    await sink?.close();
  });

  async function call(node: number, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const { server, auth } = nodes[node]!;
    const res = await fetch(`${server.url}${path}`, { method, headers: { authorization: auth, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  }

  /** The same catalogue and subscriber on both nodes (their stores are their own). */
  async function subscriberOnBoth(prefs: unknown): Promise<{ id: string; email: string }> {
    const id = `capped-${randomBytes(4).toString('hex')}`;
    const email = `${id}@example.com`;
    for (const node of [0, 1]) {
      assert.equal((await call(node, 'PUT', '/v1/categories/orders', { channels: ['email'] })).status < 300, true);
      assert.equal((await call(node, 'PUT', '/v1/categories/security', { channels: ['email'], critical: true })).status < 300, true);
      assert.equal((await call(node, 'PUT', '/v1/templates/shipped', { category: 'orders', channels: { email: { subject: 'Order {{ order }}', text: 'Shipped' } } })).status < 300, true);
      assert.equal((await call(node, 'PUT', '/v1/templates/code', { category: 'security', channels: { email: { subject: 'Code {{ order }}', text: 'Your code' } } })).status < 300, true);
      assert.equal((await call(node, 'PUT', `/v1/subscribers/${id}`, { email })).status, 201);
      assert.equal((await call(node, 'PUT', `/v1/subscribers/${id}/preferences`, prefs)).status, 200);
    }
    return { id, email };
  }

  /** Sends `count` notifications to the subscriber at once, alternating between the nodes; each one's node and id. */
  async function burst(template: string, subscriber: string, count: number, firstOrder = 0): Promise<{ node: number; id: string }[]> {
    return Promise.all(Array.from({ length: count }, async (_, i) => {
      const node = i % 2;
      const res = await call(node, 'POST', '/v1/notify', { template, to: { subscribers: [subscriber] }, data: { order: String(firstOrder + i) } });
      assert.equal(res.status, 202, JSON.stringify(res.json));
      return { node, id: res.json.id as string };
    }));
  }

  async function recipientState(node: number, id: string, subscriber: string): Promise<{ state: string; channels: { channel: string; state: string; reason?: string }[] }> {
    const view = await call(node, 'GET', `/v1/notify/${id}`);
    const r = (view.json.deliveries as { subscriber: string; state: string; channels: { channel: string; state: string; reason?: string }[] }[]).find((d) => d.subscriber === subscriber);
    return r ?? { state: 'none', channels: [] };
  }

  /** Waits until every notification's recipient is sent or suppressed on its node; their states. */
  async function settled(sent: { node: number; id: string }[], subscriber: string) {
    const states = new Map<string, Awaited<ReturnType<typeof recipientState>>>();
    await eventually('every notification planned and settled on its node', async () => {
      for (const { node, id } of sent) {
        if (states.has(id)) continue;
        const r = await recipientState(node, id, subscriber);
        if (r.state === 'sent' || r.state === 'suppressed') states.set(id, r);
      }
      return states.size === sent.length;
    });
    return [...states.values()];
  }

  const mailsTo = (email: string) => sink.messages.filter((m) => m.to.includes(email)).length;

  it('concurrent sends through A and B to one subscriber with a cap of 3 per hour send exactly 3', async () => {
    const { id, email } = await subscriberOnBoth({ frequency_caps: [{ max: 3, per: '1h' }] });
    const sent = await burst('shipped', id, 12);
    const states = await settled(sent, id);
    assert.equal(states.filter((s) => s.state === 'sent').length, 3);
    const capped = states.filter((s) => s.state === 'suppressed');
    assert.equal(capped.length, 9);
    for (const s of capped) assert.deepEqual(s.channels.map((c) => [c.state, c.reason]), [['suppressed', 'frequency_cap: all categories: 3 per 1h']]);
    await eventually('the three mails at the SMTP server', () => mailsTo(email) >= 3);
    assert.equal(mailsTo(email), 3);
  });

  it('a category cap holds across the nodes too, and critical sends pass it while counting against the rest', async () => {
    const { id, email } = await subscriberOnBoth({ frequency_caps: [{ category: 'orders', max: 2, per: '1h' }, { max: 4, per: '1h' }] });
    // Two critical codes first: they pass any cap and take two of the four sends an hour.
    const codes = await settled(await burst('code', id, 2), id);
    assert.deepEqual(codes.map((s) => s.state), ['sent', 'sent']);
    const orders = await settled(await burst('shipped', id, 8, 100), id);
    assert.equal(orders.filter((s) => s.state === 'sent').length, 2, 'the orders cap, 2 an hour, across both nodes');
    // Six refused, by whichever cap each one hit first.
    assert.equal(orders.filter((s) => s.state === 'suppressed').length, 6);
    const more = await settled(await burst('code', id, 2, 200), id);
    assert.deepEqual(more.map((s) => s.state), ['sent', 'sent'], 'critical codes still pass the full caps');
    await eventually('six mails at the SMTP server', () => mailsTo(email) >= 6);
    assert.equal(mailsTo(email), 6);
  });
});
