import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { restartablePort, spawnHerald, untilHealthy } from '../helpers/herald-process.js';
import { randomTopic, startTestServer } from '../helpers/server.js';
import { nextEvents, openStream } from '../helpers/streams.js';
import { OffsetClock } from '../helpers/manual-clock.js';
import { eventually } from '../helpers/wait.js';

describe('lifecycle', () => {
  test('a scheduled message survives a restart and is delivered when due', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-restart-'));
    const flags = { 'delayed-sender-interval': '500ms' };
    // Due in an hour of the servers' clock, which jumps two hours once the restarted server has
    // a live subscriber: the first server cannot have sent it however slow the machine.
    const clock = new OffsetClock();
    const first = await startTestServer(flags, dir, { clock });
    const topic = randomTopic();
    const res = await fetch(`${first.url}/${topic}`, { method: 'POST', body: 'from the past', headers: { Delay: '1h' } });
    const scheduled = (await res.json()) as { id: string; time: number };
    await first.stop();
    const second = await startTestServer(flags, dir, { clock });
    try {
      const s = await openStream(`${second.url}/${topic}/json`);
      await nextEvents(s);
      clock.advance(2 * 3600_000);
      const [msg] = await nextEvents(s);
      assert.equal(msg!.id, scheduled.id);
      assert.equal(msg!.message, 'from the past');
      assert.equal(msg!.time, scheduled.time);
      s.close();
      const polled = await (await fetch(`${second.url}/${topic}/json?poll=1`)).text();
      assert.equal(polled.trim().split('\n').length, 1, 'the delivered message is cached once');
    } finally {
      await second.close();
    }
  });

  test('a subscriber that stops reading is dropped without slowing the others', async () => {
    const server = await startTestServer({ 'subscriber-buffer-limit': '64k', 'visitor-request-limit-exempt-hosts': '127.0.0.1,::1', 'enable-metrics': 'true' });
    try {
      const topic = randomTopic();
      // A client that sends the request and then never reads a byte.
      const stalled = connect(Number(new URL(server.url).port), '127.0.0.1');
      stalled.write(`GET /${topic}/json HTTP/1.1\r\nHost: x\r\n\r\n`);
      stalled.pause();
      const healthy = await openStream(`${server.url}/${topic}/json`);
      await nextEvents(healthy);
      const metric = async (pattern: RegExp) => Number(pattern.exec(await (await fetch(`${server.url}/metrics`)).text())?.[1] ?? 0);
      const droppedCount = () => metric(/herald_subscribers_dropped_total\{reason="[^"]+"\} (\d+)/);
      await eventually('both subscriptions registered', async () => (await metric(/^herald_subscribers\{transport="json"\} (\d+)/m)) === 2);
      const body = 'x'.repeat(4000);
      // Publish until the stalled reader has been dropped: how much the kernel buffers for it
      // first depends on the machine, so the count is not fixed (capped to keep the test bounded).
      let sent = 0;
      let dropped = 0;
      while (sent < 8000 && dropped === 0) {
        for (let i = 0; i < 250; i++, sent++) {
          const res = await fetch(`${server.url}/${topic}`, { method: 'POST', body, headers: { Cache: 'no' } });
          assert.equal(res.status, 200);
        }
        dropped = await droppedCount();
      }
      assert.ok(dropped >= 1, `the stalled subscriber was dropped after ${sent} messages`);
      let received = 0;
      while (received < sent) {
        const [e] = await nextEvents(healthy);
        if (e!.event === 'message') received++;
      }
      assert.equal(received, sent, 'the healthy subscriber got every message');
      healthy.close();
      stalled.destroy();
    } finally {
      await server.close();
    }
  });

  test('SIGTERM ends streams, flushes, exits 0; accepted messages are there after restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-sigterm-'));
    const port = await restartablePort();
    const args = ['serve', '--listen-http', `127.0.0.1:${port}`, '--cache-file', join(dir, 'c.db'), '--database-file', join(dir, 'h.db'), '--queue-file', join(dir, 'q.db'), '--attachment-cache-dir', join(dir, 'a'), '--log-level', 'warn', '--visitor-request-limit-exempt-hosts', '127.0.0.1'];
    const url = `http://127.0.0.1:${port}`;
    const startChild = async () => {
      const child = spawnHerald(args);
      await untilHealthy(url, child);
      return child;
    };
    try {
      const child = await startChild();
      const topic = randomTopic();
      const stream = await openStream(`${url}/${topic}/json`);
      await nextEvents(stream);
      const ids = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => ((await (await fetch(`${url}/${topic}`, { method: 'POST', body: `m${i}` })).json()) as { id: string }).id),
      );
      assert.equal(await child.stop('SIGTERM'), 0, child.stderr());
      // The stream was ended by the server: reading further ends instead of hanging.
      await assert.rejects(async () => {
        for (;;) await stream.next(1);
      }, /stream ended/);
      const again = await startChild();
      const polled = (await (await fetch(`${url}/${topic}/json?poll=1`)).text()).trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);
      assert.deepEqual(new Set(polled), new Set(ids));
      await again.stop('SIGTERM');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('Matrix push gateway publishes to the pushkey topic', async () => {
    const server = await startTestServer({ 'base-url': 'http://push.test' });
    try {
      const topic = randomTopic();
      const get = await fetch(`${server.url}/_matrix/push/v1/notify`);
      assert.equal(await get.text(), '{"unifiedpush":{"gateway":"matrix"}}\n');
      const s = await openStream(`${server.url}/${topic}/json`);
      await nextEvents(s);
      const notification = { notification: { devices: [{ pushkey: `http://push.test/${topic}?up=1` }], counts: { unread: 1 } } };
      const ok = await fetch(`${server.url}/_matrix/push/v1/notify`, { method: 'POST', body: JSON.stringify(notification) });
      assert.equal(await ok.text(), '{"rejected":[]}\n');
      const [msg] = await nextEvents(s);
      assert.deepEqual(JSON.parse(msg!.message as string), notification);
      s.close();
      const wrong = { notification: { devices: [{ pushkey: `http://elsewhere.test/${topic}` }] } };
      const rejected = await fetch(`${server.url}/_matrix/push/v1/notify`, { method: 'POST', body: JSON.stringify(wrong) });
      assert.deepEqual(await rejected.json(), { rejected: [`http://elsewhere.test/${topic}`] });
      const bad = await fetch(`${server.url}/_matrix/push/v1/notify`, { method: 'POST', body: '{"notification":{}}' });
      assert.equal(bad.status, 400);
      assert.equal(((await bad.json()) as { code: number }).code, 40019);
      const big = await fetch(`${server.url}/_matrix/push/v1/notify`, { method: 'POST', body: 'x'.repeat(5000) });
      assert.equal(big.status, 413);
      assert.equal(((await big.json()) as { code: number }).code, 41302);
    } finally {
      await server.close();
    }
  });
});
