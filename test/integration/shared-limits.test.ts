import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createRedisCounters, type RedisCounters } from '../../src/adapters/redis/redis-counters.js';
import { loadConfig } from '../../src/config/index.js';
import { openAuth } from '../../src/main.js';
import { silentLogger } from '../../src/ports/logger.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';
import { namespaceFor, REDIS_URL, serviceSkip } from '../helpers/services.js';

const skip = await serviceSkip('redis');

/**
 * Two Herald nodes sharing rate-limit counters on Redis (and, as nodes of one installation do, the
 * accounts and keys database). Every limit a visitor, key or subscriber has must hold for the pair
 * as it holds for one node: the configured burst, not twice it. Each test calls from an address of
 * its own (X-Forwarded-For), so each is a new visitor.
 */
describe('limits shared by two nodes on Redis counters', { ...(skip !== undefined ? { skip } : {}) }, () => {
  // One clock for both nodes, standing still: buckets refill only when a test says so.
  const clock = new ManualClock(Date.now());
  const ADMIN = `Basic ${Buffer.from('boss:boss-pass').toString('base64')}`;
  let nodes: TestServer[] = [];
  let counters: RedisCounters[] = [];

  before(async () => {
    const keyPrefix = `${namespaceFor('shared-limits')}:`;
    counters = [await createRedisCounters({ url: REDIS_URL, keyPrefix, logger: silentLogger }), await createRedisCounters({ url: REDIS_URL, keyPrefix, logger: silentLogger })];
    const flags = {
      'behind-proxy': 'true', 'auth-file': 'auth.db', 'enable-signup': 'true',
      'visitor-request-limit-burst': '6', 'visitor-message-daily-limit': '4', 'visitor-auth-failure-limit-burst': '3',
      'visitor-attachment-daily-bandwidth-limit': '1000', 'api-key-request-limit-burst': '5', 'subscriber-request-limit-burst': '4',
    };
    const a = await startTestServer(flags, undefined, { clock, counters: counters[0]! });
    const shared = { 'auth-file': join(a.dir, 'auth.db'), 'database-file': join(a.dir, 'herald.db') };
    const b = await startTestServer({ ...flags, ...shared }, undefined, { clock, counters: counters[1]! });
    nodes = [a, b];
    const { config } = loadConfig({ env: {}, flags: shared });
    const accounts = (await openAuth(config))!;
    await accounts.auth.addUser('boss', 'boss-pass', 'admin');
    await accounts.close();
  });
  after(async () => {
    for (const node of nodes) await node.close();
    await counters[0]?.purge();
    for (const c of counters) await c.close();
  });

  let lastIp = 0;
  /** A caller of its own: requests alternate between the two nodes, A first. */
  function visitor() {
    const ip = `198.51.100.${++lastIp}`;
    let turn = 0;
    return (path: string, init: RequestInit = {}) => {
      const node = nodes[turn++ % 2]!;
      return fetch(`${node.url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), 'X-Forwarded-For': ip } });
    };
  }

  async function statuses(n: number, call: () => Promise<Response>): Promise<{ codes: number[]; last: Response; body: { code?: number } }> {
    const codes: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < n; i++) {
      last = await call();
      codes.push(last.status);
      if (i < n - 1) await last.arrayBuffer();
    }
    const text = await last!.text();
    return { codes, last: last!, body: (text.trim() === '' ? {} : JSON.parse(text.split('\n')[0]!)) as { code?: number } };
  }

  test('a visitor gets the configured request burst across the nodes, not one per node', async () => {
    const call = visitor();
    const topic = randomTopic();
    const { codes, last, body } = await statuses(8, () => call(`/${topic}/json?poll=1`));
    assert.deepEqual(codes, [200, 200, 200, 200, 200, 200, 429, 429]);
    assert.equal(body.code, 42901);
    assert.ok(Number(last.headers.get('retry-after')) >= 1);
  });

  test('a visitor\'s daily message quota holds across the nodes', async () => {
    const call = visitor();
    const { codes, body } = await statuses(5, () => call(`/${randomTopic()}`, { method: 'POST', body: 'hi' }));
    assert.deepEqual(codes, [200, 200, 200, 200, 429]);
    assert.equal(body.code, 42908);
  });

  test('a visitor\'s daily attachment bandwidth holds across the nodes', async () => {
    const call = visitor();
    const upload = () => call(`/${randomTopic()}`, { method: 'PUT', body: 'x'.repeat(600), headers: { Filename: 'a.txt' } });
    const { codes, body } = await statuses(2, upload);
    assert.deepEqual(codes, [200, 413]);
    assert.equal(body.code, 41301);
  });

  test('failed logins run out into 42909 across the nodes', async () => {
    const call = visitor();
    const ghost = { Authorization: `Basic ${Buffer.from('ghost:boo').toString('base64')}` };
    const { codes, body } = await statuses(5, () => call('/v1/health', { headers: ghost }));
    assert.deepEqual(codes, [401, 401, 401, 429, 429]);
    assert.equal(body.code, 42909);
  });

  test('sign-ups from one visitor are limited across the nodes', async () => {
    const call = visitor();
    let n = 0;
    const signUp = () => call('/v1/account', { method: 'POST', body: JSON.stringify({ username: `user${lastIp}x${++n}`, password: 'long-enough-password' }) });
    const { codes, body } = await statuses(4, signUp);
    assert.deepEqual(codes, [200, 200, 200, 429]);
    assert.equal(body.code, 42906);
  });

  test('an API key has one bucket across the nodes, and its RateLimit headers say so', async () => {
    const created = await fetch(`${nodes[0]!.url}/v1/keys`, { method: 'POST', headers: { Authorization: ADMIN }, body: JSON.stringify({ name: 'busy', scopes: ['audit:read'] }) });
    const key = ((await created.json()) as { key: string }).key;
    const call = visitor();
    const remaining: (string | null)[] = [];
    const { codes, body } = await statuses(6, async () => {
      const res = await call('/v1/audit?limit=1', { headers: { Authorization: `Bearer ${key}` } });
      remaining.push(res.headers.get('ratelimit-remaining'));
      return res;
    });
    assert.deepEqual(codes, [200, 200, 200, 200, 200, 429]);
    assert.deepEqual(remaining, ['4', '3', '2', '1', '0', '0']);
    assert.equal(body.code, 42901);
  });

  test('a subscriber has one request bucket across the nodes', async () => {
    const subscriber = `s-${lastIp}`;
    const tokens = await fetch(`${nodes[0]!.url}/v1/subscriber-tokens`, { method: 'POST', headers: { Authorization: ADMIN }, body: JSON.stringify({ subscriber }) });
    const token = ((await tokens.json()) as { token: string }).token;
    for (const node of nodes) {
      const res = await fetch(`${node.url}/v1/subscribers/${subscriber}`, { method: 'PUT', headers: { Authorization: ADMIN }, body: JSON.stringify({ name: 'Sam' }) });
      assert.ok(res.ok, await res.text());
    }
    const call = visitor();
    const { codes, body } = await statuses(5, () => call(`/v1/subscribers/${subscriber}/preferences`, { headers: { Authorization: `Bearer ${token}` } }));
    assert.deepEqual(codes, [200, 200, 200, 200, 429]);
    assert.equal(body.code, 42901);
  });
});
