import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config/index.js';
import { startServer } from '../../src/main.js';
import { randomTopic } from '../helpers/server.js';

test('messages expire after cache-duration and attachments after their expiry, on the manager pass', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-expiry-'));
  let now = Date.UTC(2026, 0, 1, 12);
  const { config } = loadConfig({
    env: {},
    flags: { 'listen-http': '127.0.0.1:0', 'cache-file': join(dir, 'c.db'), 'database-file': join(dir, 'h.db'), 'queue-file': join(dir, 'q.db'), 'attachment-cache-dir': join(dir, 'att'), 'base-url': 'http://x', 'cache-duration': '12h' },
  });
  const server = await startServer(config, { clock: { now: () => now }, logger: pino({ level: 'silent' }) });
  try {
    const topic = randomTopic();
    const text = (await (await fetch(`${server.url}/${topic}`, { method: 'POST', body: 'short lived' })).json()) as { id: string; expires: number };
    assert.equal(text.expires, Math.floor(now / 1000) + 12 * 3600);
    const file = (await (await fetch(`${server.url}/${topic}`, { method: 'PUT', body: new Uint8Array(5000) })).json()) as { id: string };
    const filePath = join(dir, 'att', file.id);
    assert.ok(existsSync(filePath));
    const poll = async () => (await (await fetch(`${server.url}/${topic}/json?poll=1`)).text()).split('\n').filter(Boolean).length;

    now += 4 * 3600_000; // past the 3h attachment expiry, within the 12h cache duration
    await server.topics.manage();
    assert.equal(existsSync(filePath), false, 'the expired attachment file is deleted');
    assert.equal(await poll(), 2, 'the messages themselves are still cached');
    assert.equal((await fetch(`${server.url}/file/${file.id}.bin`)).status, 404);

    now += 9 * 3600_000; // past the 12h cache duration
    await server.topics.manage();
    assert.equal(await poll(), 0);
    const stats = (await (await fetch(`${server.url}/v1/stats`)).json()) as { messages: number };
    assert.equal(stats.messages, 2, 'the published count outlives the messages');
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
