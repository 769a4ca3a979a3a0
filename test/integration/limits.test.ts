import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { openStream } from '../helpers/streams.js';
import { eventually } from '../helpers/wait.js';

/** A clock that stands still: request buckets refill only when a test moves it, never because the machine was slow. */
const stillClock = () => ({ clock: new ManualClock(Date.now()) });

let server: TestServer;
before(async () => {
  server = await startTestServer({ 'visitor-request-limit-burst': '5', 'visitor-subscription-limit': '2', 'global-topic-limit': '50' }, undefined, stillClock());
});
after(() => server.close());

describe('per-visitor limits', () => {
  test('the request bucket refuses the request after the burst with 429 42901 and Retry-After', async () => {
    const topic = randomTopic();
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 6; i++) {
      last = await fetch(`${server.url}/${topic}`, { method: 'POST', body: `m${i}` });
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
    assert.equal(((await last!.json()) as { code: number }).code, 42901);
    assert.ok(Number(last!.headers.get('retry-after')) >= 1);
    const health = await fetch(`${server.url}/v1/health`);
    assert.equal(health.status, 200, 'health is exempt from the request bucket');
  });

  test('behind-proxy visitors are told apart by X-Forwarded-For', async () => {
    const proxied = await startTestServer({ 'visitor-request-limit-burst': '2', 'behind-proxy': 'true' }, undefined, stillClock());
    try {
      const send = (ip: string) => fetch(`${proxied.url}/${randomTopic()}`, { method: 'POST', body: 'x', headers: { 'X-Forwarded-For': `1.2.3.4, ${ip}` } });
      assert.equal((await send('10.0.0.1')).status, 200);
      assert.equal((await send('10.0.0.1')).status, 200);
      assert.equal((await send('10.0.0.1')).status, 429);
      assert.equal((await send('10.0.0.2')).status, 200);
    } finally {
      await proxied.close();
    }
  });

  test('visitor-prefix-bits-ipv4/-ipv6 make neighbouring addresses one visitor', async () => {
    const grouped = await startTestServer({ 'visitor-request-limit-burst': '2', 'behind-proxy': 'true', 'visitor-prefix-bits-ipv4': '24', 'visitor-prefix-bits-ipv6': '48' }, undefined, stillClock());
    try {
      const send = (ip: string) => fetch(`${grouped.url}/${randomTopic()}`, { method: 'POST', body: 'x', headers: { 'X-Forwarded-For': ip } });
      assert.deepEqual([(await send('10.0.0.1')).status, (await send('10.0.0.2')).status, (await send('10.0.0.3')).status], [200, 200, 429]);
      assert.equal((await send('10.0.1.1')).status, 200, 'another /24');
      assert.deepEqual([(await send('2001:db8:1:a::1')).status, (await send('2001:db8:1:b::1')).status, (await send('2001:db8:1:c::1')).status], [200, 200, 429]);
      assert.equal((await send('2001:db8:2::1')).status, 200, 'another /48');
    } finally {
      await grouped.close();
    }
  });

  test('exempt hosts are not limited', async () => {
    const exempt = await startTestServer({ 'visitor-request-limit-burst': '1', 'visitor-request-limit-exempt-hosts': '127.0.0.0/8,::1' });
    try {
      for (let i = 0; i < 5; i++) assert.equal((await fetch(`${exempt.url}/${randomTopic()}`, { method: 'POST', body: 'x' })).status, 200);
    } finally {
      await exempt.close();
    }
  });

  test('open subscriptions are capped per visitor with 42903, and freed on close', async () => {
    const other = await startTestServer({ 'visitor-subscription-limit': '2' });
    try {
      const a = await openStream(`${other.url}/${randomTopic()}/json`);
      const b = await openStream(`${other.url}/${randomTopic()}/sse`);
      const res = await fetch(`${other.url}/${randomTopic()}/json`);
      assert.equal(res.status, 429);
      assert.equal(((await res.json()) as { code: number }).code, 42903);
      a.close();
      let c: Awaited<ReturnType<typeof openStream>> | undefined;
      await eventually('the closed stream gives its slot back', async () => {
        c?.close();
        c = await openStream(`${other.url}/${randomTopic()}/raw`);
        return c.status === 200;
      });
      b.close();
      c!.close();
    } finally {
      await other.close();
    }
  });

  test('daily messages are capped with 42908', async () => {
    const other = await startTestServer({ 'visitor-message-daily-limit': '2' });
    try {
      const topic = randomTopic();
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(`${other.url}/${topic}`, { method: 'POST', body: 'x' })).status);
      assert.deepEqual(statuses, [200, 200, 429]);
    } finally {
      await other.close();
    }
  });

  test('the server-wide topic limit gives 42904', async () => {
    const other = await startTestServer({ 'global-topic-limit': '2' });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(`${other.url}/${randomTopic()}`, { method: 'POST', body: 'x' })).status);
      assert.deepEqual(statuses, [200, 200, 429]);
    } finally {
      await other.close();
    }
  });
});
