import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// Behind a proxy, X-Forwarded-For tells visitors apart: one attacker, one bystander.
const ATTACKER = '203.0.113.66';
const BYSTANDER = '198.51.100.7';
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789_-';

/** The n-th three-character topic name (54,872 of them). */
function shortTopic(n: number): string {
  const a = ALPHABET.length;
  return `${ALPHABET[Math.floor(n / (a * a)) % a]}${ALPHABET[Math.floor(n / a) % a]}${ALPHABET[n % a]}`;
}

function topicList(from: number, count: number): string {
  return Array.from({ length: count }, (_, i) => shortTopic(from + i)).join(',');
}

async function poll(server: TestServer, list: string, ip: string): Promise<{ status: number; code?: number }> {
  const res = await fetch(`${server.url}/${list}/json?poll=1`, { headers: { 'X-Forwarded-For': ip } });
  const text = await res.text();
  return res.status === 200 ? { status: 200 } : { status: res.status, code: (JSON.parse(text) as { code: number }).code };
}

/** Sends a WebSocket handshake on a raw socket and resolves with the response head (and body, if any). */
function wsHandshake(server: TestServer, path: string, ip: string): Promise<string> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Forwarded-For: ${ip}\r\n\r\n`,
      );
    });
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      // A 101 keeps the socket open: its head is all there is to read.
      if (data.startsWith('HTTP/1.1 101') && data.includes('\r\n\r\n')) {
        resolve(data);
        socket.destroy();
      }
    });
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
}

describe('topic limits', () => {
  test('the attack of issue 11 (25 polls of 2,040 three-character topics) no longer locks another visitor out', async () => {
    const server = await startTestServer({ 'behind-proxy': 'true' });
    try {
      const statuses = new Set<string>();
      for (let i = 0; i < 25; i++) {
        const r = await poll(server, topicList(i * 2040, 2040), ATTACKER);
        statuses.add(`${r.status} ${r.code ?? ''}`);
      }
      const bystander = await poll(server, 'bystander-topic', BYSTANDER);
      assert.deepEqual(bystander, { status: 200 }, 'another visitor can still subscribe');
      assert.deepEqual([...statuses], ['400 40080'], 'each poll names more topics than one request may');
    } finally {
      await server.close();
    }
  });

  test('WebSocket upgrades with thousands of topics are refused, and lock nobody out', async () => {
    const server = await startTestServer({ 'behind-proxy': 'true' });
    try {
      for (let i = 0; i < 4; i++) {
        const head = await wsHandshake(server, `/${topicList(i * 3900, 3900)}/ws`, ATTACKER);
        assert.match(head, /^HTTP\/1\.1 400 /);
        assert.match(head, /"code":40080/);
      }
      assert.deepEqual(await poll(server, 'bystander-topic', BYSTANDER), { status: 200 });
      assert.match(await wsHandshake(server, '/bystander-topic/ws', BYSTANDER), /^HTTP\/1\.1 101 /);
    } finally {
      await server.close();
    }
  });

  test('one visitor may create only visitor-topic-limit topics; the rest of the server stays open', async () => {
    const server = await startTestServer({ 'behind-proxy': 'true', 'visitor-topic-limit': '200', 'subscription-topic-limit': '100' });
    try {
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await poll(server, topicList(i * 100, 100), ATTACKER));
      assert.deepEqual(results, [{ status: 200 }, { status: 200 }, { status: 429, code: 42920 }, { status: 429, code: 42920 }]);
      assert.deepEqual(await poll(server, topicList(0, 100), ATTACKER), { status: 200 }, 'topics that exist cost nothing');
      const publish = await fetch(`${server.url}/${shortTopic(5000)}`, { method: 'POST', body: 'x', headers: { 'X-Forwarded-For': ATTACKER } });
      assert.equal(publish.status, 429, 'publishing to a new topic counts too');
      assert.equal(((await publish.json()) as { code: number }).code, 42920);
      assert.deepEqual(await poll(server, topicList(1000, 100), BYSTANDER), { status: 200 });
    } finally {
      await server.close();
    }
  });

  test('topics with no subscriber and no cached message are forgotten a minute after their last use', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
    const server = await startTestServer({ 'behind-proxy': 'true', 'visitor-topic-limit': '100', 'global-topic-limit': '150', 'cache-duration': '1h' }, undefined, { clock });
    try {
      const cached = await fetch(`${server.url}/kept-by-its-message`, { method: 'POST', body: 'hello', headers: { 'X-Forwarded-For': ATTACKER } });
      assert.equal(cached.status, 200);
      assert.deepEqual(await poll(server, topicList(0, 99), ATTACKER), { status: 200 });
      assert.deepEqual(await poll(server, topicList(100, 1), ATTACKER), { status: 429, code: 42920 });
      // The polled topics hold nothing, so the next manager pass a minute later forgets them.
      clock.advance(61_000);
      await server.topics.manage();
      assert.deepEqual(await poll(server, topicList(100, 99), ATTACKER), { status: 200 });
      assert.deepEqual(await poll(server, topicList(300, 1), ATTACKER), { status: 429, code: 42920 }, 'the cached message still holds its topic');
      // A bystander fills the server: the global limit still counts every remembered topic.
      assert.deepEqual(await poll(server, topicList(1000, 50), BYSTANDER), { status: 200 });
      assert.deepEqual(await poll(server, topicList(2000, 1), BYSTANDER), { status: 429, code: 42904 });
      clock.advance(3600_000);
      await server.topics.manage();
      assert.deepEqual(await poll(server, topicList(3000, 100), ATTACKER), { status: 200 }, 'the message expired: its topic was forgotten too');
    } finally {
      await server.close();
    }
  });

  test('a live subscriber keeps its topic however long it is idle', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
    const server = await startTestServer({ 'visitor-topic-limit': '2' }, undefined, { clock });
    try {
      const res = await fetch(`${server.url}/held-by-a-stream/json`);
      const reader = res.body!.getReader();
      await reader.read(); // the open event: the subscription is registered
      clock.advance(24 * 3600_000);
      await server.topics.manage();
      assert.equal((await poll(server, 'other-one', '')).status, 200);
      assert.deepEqual(await poll(server, 'other-two', ''), { status: 429, code: 42920 }, 'the streamed topic still counts');
      await reader.cancel();
    } finally {
      await server.close();
    }
  });
});
