import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { ManualClock } from '../helpers/manual-clock.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/wait.js';

// Issue 13, point 8: upstream-base-url, the poll requests ntfy's iOS app is woken by, tested
// against a stand-in for the upstream server that records what it is sent.

const BASE_URL = 'https://herald.example.org';

interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

interface StandIn {
  url: string;
  requests: Recorded[];
  /** How the next requests are answered: a status, or held until `release` is called. */
  answer: number | 'hold';
  release(): void;
  held(): number;
  close(): Promise<void>;
}

async function startStandIn(): Promise<StandIn> {
  const requests: Recorded[] = [];
  const holding: ServerResponse[] = [];
  const standIn: StandIn = {
    url: '',
    requests,
    answer: 200,
    release: () => holding.splice(0).forEach((res) => res.writeHead(200).end('{}')),
    held: () => holding.length,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      if (standIn.answer === 'hold') holding.push(res);
      else res.writeHead(standIn.answer, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  standIn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return standIn;
}

const hashed = (topic: string) => `/${createHash('sha256').update(`${BASE_URL}/${topic}`).digest('hex')}`;

async function publish(server: TestServer, topic: string, init: { body?: string; headers?: Record<string, string>; query?: string } = {}): Promise<{ id: string; event: string }> {
  const res = await fetch(`${server.url}/${topic}${init.query ?? ''}`, { method: 'POST', body: init.body ?? 'hello', headers: init.headers ?? {} });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as { id: string; event: string };
}

/** A logger whose lines the test can read. */
function capturedLogger(): { logger: pino.Logger; lines: () => Array<{ level: string; msg: string; [k: string]: unknown }> } {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _e, done) { lines.push(chunk.toString()); done(); } });
  return {
    logger: pino({ level: 'info', formatters: { level: (label) => ({ level: label }) } }, sink),
    lines: () => lines.flatMap((l) => l.split('\n')).filter(Boolean).map((l) => JSON.parse(l) as { level: string; msg: string }),
  };
}

describe('upstream-base-url: poll requests for iOS', () => {
  let standIn: StandIn;
  let server: TestServer;
  const clock = new ManualClock(Date.now());
  const log = capturedLogger();

  before(async () => {
    standIn = await startStandIn();
    server = await startTestServer(
      { 'base-url': BASE_URL, 'upstream-base-url': standIn.url, 'upstream-access-token': 'tk_upstreamtoken', 'visitor-request-limit-exempt-hosts': '127.0.0.1,::1' },
      undefined,
      { clock, logger: log.logger },
    );
  });
  after(async () => {
    standIn.release();
    await server?.close();
    await standIn?.close();
  });

  test('a published message is announced upstream: POST to the hash of its topic URL, X-Poll-ID, Bearer token, empty body', async () => {
    const topic = randomTopic();
    const m = await publish(server, topic);
    await eventually('the poll request upstream', () => standIn.requests.some((r) => r.headers['x-poll-id'] === m.id));
    const r = standIn.requests.find((x) => x.headers['x-poll-id'] === m.id)!;
    assert.equal(r.method, 'POST');
    assert.equal(r.path, hashed(topic));
    assert.match(r.path, /^\/[0-9a-f]{64}$/);
    assert.equal(r.headers.authorization, 'Bearer tk_upstreamtoken');
    assert.match(String(r.headers['user-agent']), /^Herald/);
    assert.equal(r.body, '');
    // Nothing of the message itself leaves: no topic name, no text.
    assert.ok(!JSON.stringify(r).includes(topic));
    assert.ok(!JSON.stringify(r).includes('hello'));
  });

  test('UnifiedPush messages and poll requests are not forwarded; Cache: no messages are', async () => {
    const topic = randomTopic();
    const up = await publish(server, topic, { query: '?up=1', body: 'encrypted-ish' });
    const poll = await publish(server, topic, { headers: { 'X-Poll-ID': 'abc123' } });
    assert.equal(poll.event, 'poll_request');
    const uncached = await publish(server, topic, { headers: { Cache: 'no' } });
    const last = await publish(server, topic);
    await eventually('the last two poll requests', () => [uncached.id, last.id].every((id) => standIn.requests.some((r) => r.headers['x-poll-id'] === id)));
    const forwarded = standIn.requests.filter((r) => r.path === hashed(topic)).map((r) => r.headers['x-poll-id']);
    // Requests leave in the background and may arrive in any order; what can arrive is all sent by now.
    assert.ok(!forwarded.includes(up.id), 'UnifiedPush message forwarded');
    assert.ok(!forwarded.includes(poll.id), 'poll request forwarded');
  });

  test('a scheduled message is announced when it goes out, not when it is accepted', async () => {
    const topic = randomTopic();
    const delayed = await publish(server, topic, { headers: { 'X-Delay': '30s' } });
    const marker = await publish(server, topic);
    await eventually('the marker poll request', () => standIn.requests.some((r) => r.headers['x-poll-id'] === marker.id));
    assert.ok(!standIn.requests.some((r) => r.headers['x-poll-id'] === delayed.id), 'forwarded before it was due');
    clock.advance(31_000);
    await server.topics.deliverDue();
    await eventually('the scheduled poll request', () => standIn.requests.some((r) => r.headers['x-poll-id'] === delayed.id && r.path === hashed(topic)));
  });

  test('a slow upstream does not hold the publish up', async () => {
    standIn.answer = 'hold';
    try {
      const topic = randomTopic();
      const m = await publish(server, topic);
      // The publish was answered while its poll request is still waiting upstream.
      await eventually('the held poll request', () => standIn.requests.some((r) => r.headers['x-poll-id'] === m.id));
      assert.ok(standIn.held() >= 1);
      const polled = await (await fetch(`${server.url}/${topic}/json?poll=1`)).text();
      assert.match(polled, new RegExp(m.id));
    } finally {
      standIn.answer = 200;
      standIn.release();
    }
  });

  test('a failing upstream: publishing still works, and the failure is logged once, not once a message', async () => {
    standIn.answer = 429;
    try {
      const topic = randomTopic();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await publish(server, topic, { body: `m${i}` })).id);
      await eventually('three refused poll requests', () => ids.every((id) => standIn.requests.some((r) => r.headers['x-poll-id'] === id)));
      const polled = await (await fetch(`${server.url}/${topic}/json?poll=1`)).text();
      assert.equal(polled.split('\n').filter(Boolean).length, 3);
      await eventually('the failure in the log', () => log.lines().some((l) => l.msg === 'poll request to the upstream server failed'));
      const failures = log.lines().filter((l) => l.msg === 'poll request to the upstream server failed');
      assert.equal(failures.length, 1);
      assert.equal(failures[0]!.level, 'warn');
      assert.match(JSON.stringify(failures[0]), /upstream-access-token/);
    } finally {
      standIn.answer = 200;
    }
    // The next success is logged as the recovery.
    const m = await publish(server, randomTopic());
    await eventually('the recovery line', () => log.lines().some((l) => l.msg === 'poll request to the upstream server failed: working again'));
    assert.ok(standIn.requests.some((r) => r.headers['x-poll-id'] === m.id));
  });
});

describe('upstream-base-url: unreachable upstream and start checks', () => {
  test('an upstream nobody listens on: the publish succeeds', async () => {
    const standIn = await startStandIn();
    const url = standIn.url;
    await standIn.close();
    const server = await startTestServer({ 'base-url': BASE_URL, 'upstream-base-url': url });
    try {
      const topic = randomTopic();
      const m = await publish(server, topic);
      const polled = await (await fetch(`${server.url}/${topic}/json?poll=1`)).text();
      assert.match(polled, new RegExp(m.id));
    } finally {
      await server.close();
    }
  });

  test('upstream-base-url without base-url is a start error', async () => {
    await assert.rejects(startTestServer({ 'upstream-base-url': 'https://ntfy.sh' }), /base-url must be set/);
  });

  test('base-url equal to upstream-base-url is a start error', async () => {
    await assert.rejects(startTestServer({ 'base-url': 'https://ntfy.sh/', 'upstream-base-url': 'https://ntfy.sh' }), /are the same/);
  });

  test('an upstream-base-url that is not an http(s) URL is a config error', async () => {
    await assert.rejects(startTestServer({ 'base-url': BASE_URL, 'upstream-base-url': 'ntfy.sh' }), /upstream-base-url/);
  });
});
