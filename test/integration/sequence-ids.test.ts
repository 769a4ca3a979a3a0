import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { herald, stopRunningClis } from '../helpers/cli.js';
import { OffsetClock } from '../helpers/manual-clock.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';
import { nextEvents, openStream } from '../helpers/streams.js';
import { eventually } from '../helpers/wait.js';

/**
 * ntfy 2.16's sequence IDs through HTTP: updates (same sequence ID, both messages cached),
 * clear and delete events on every stream format and in polls, and scheduled messages replaced
 * or cancelled before they go out.
 */

type Json = Record<string, unknown>;

let server: TestServer;
const clock = new OffsetClock();
before(async () => {
  server = await startTestServer({ 'delayed-sender-interval': '200ms', 'visitor-request-limit-exempt-hosts': '127.0.0.1,::1' }, undefined, { clock });
});
after(async () => {
  await stopRunningClis();
  await server.close();
});

async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; json: Json }> {
  const res = await fetch(`${server.url}${path}`, { method, body, headers });
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {
    // Not JSON (raw streams); the caller reads `text`.
  }
  return { status: res.status, text, json };
}

async function poll(topic: string, query = ''): Promise<Json[]> {
  const { text } = await call('GET', `/${topic}/json?poll=1${query}`);
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Json);
}

describe('sequence IDs: updating notifications', () => {
  test('X-Sequence-ID, Sequence-ID, ?sid=, the path form and JSON publish all set sequence_id; the cache keeps every update', async () => {
    const topic = randomTopic('sq');
    const first = await call('POST', `/${topic}`, 'Downloading 10%', { 'X-Sequence-ID': 'dl-1' });
    assert.equal(first.status, 200);
    assert.equal(first.json.sequence_id, 'dl-1');
    // ntfy's field order: the sequence ID right after the id.
    assert.deepEqual(Object.keys(first.json).slice(0, 4), ['id', 'sequence_id', 'time', 'expires']);
    const second = await call('PUT', `/${topic}/dl-1`, 'Downloading 50%');
    const third = await call('POST', `/${topic}?sid=dl-1`, 'Downloading 90%');
    const fourth = await call('POST', '/', JSON.stringify({ topic, message: 'Download done', sequence_id: 'dl-1' }));
    const fifth = await call('POST', `/${topic}`, 'Alias', { 'Sequence-ID': 'dl-1' });
    for (const r of [second, third, fourth, fifth]) {
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.sequence_id, 'dl-1');
    }
    const cached = await poll(topic);
    assert.deepEqual(cached.map((m) => m.message), ['Downloading 10%', 'Downloading 50%', 'Downloading 90%', 'Download done', 'Alias']);
    assert.ok(cached.every((m) => m.sequence_id === 'dl-1' && m.event === 'message'));
    assert.equal(new Set(cached.map((m) => m.id)).size, 5, 'each update is a message of its own');
  });

  test('without a sequence ID no sequence_id is written (the id is the sequence), and it can be updated by its id', async () => {
    const topic = randomTopic('sq');
    const plain = await call('POST', `/${topic}`, 'first');
    assert.equal('sequence_id' in plain.json, false);
    const update = await call('POST', `/${topic}/${String(plain.json.id)}`, 'second');
    assert.equal(update.json.sequence_id, plain.json.id);
  });

  test('a malformed sequence ID is 400 40049; stream names after the topic stay 404', async () => {
    const topic = randomTopic('sq');
    for (const [method, path, headers] of [
      ['POST', `/${topic}`, { 'X-Sequence-ID': 'has space' }],
      ['POST', `/${topic}`, { 'X-Sequence-ID': 'x'.repeat(65) }],
      ['POST', `/${topic}/bad.sid`, {}],
      ['PUT', `/${topic}/bad.sid/clear`, {}],
      ['DELETE', `/${topic}/bad.sid`, {}],
    ] as const) {
      const res = await call(method, path, method === 'DELETE' ? undefined : 'x', headers);
      assert.equal(res.status, 400, `${method} ${path}`);
      assert.equal(res.json.code, 40049);
    }
    const json = await call('POST', '/', JSON.stringify({ topic, message: 'x', sequence_id: 'no/slash' }));
    assert.equal(json.json.code, 40049);
    assert.equal((await call('POST', `/${topic}/json`, 'x')).status, 404);
    assert.equal((await call('DELETE', `/${topic}/sse`)).status, 404);
    assert.equal((await call('DELETE', '/v1/nothing-here')).status, 404, 'the server\'s own paths are not topics');
    assert.equal((await call('PUT', `/bad.topic/sid/clear`)).status, 404);
  });
});

describe('sequence IDs: clear and delete events', () => {
  test('reach json, sse, raw and ws subscribers, are answered with the event, and are cached for polls', async () => {
    const topic = randomTopic('sq');
    const json = await openStream(`${server.url}/${topic}/json`);
    const sse = await openStream(`${server.url}/${topic}/sse`);
    const raw = await openStream(`${server.url}/${topic}/raw`);
    const frames: string[] = [];
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/${topic}/ws`);
    ws.on('message', (data) => frames.push(data.toString()));
    await new Promise((r) => ws.once('open', r));
    await nextEvents(json); // open
    await sse.next(3); // event: open, data, blank
    await raw.next(1); // open is an empty line
    await eventually('the ws open frame', () => frames.length >= 1);

    const message = await call('POST', `/${topic}`, 'Door open', { 'X-Sequence-ID': 'door' });
    const cleared = await call('PUT', `/${topic}/door/clear`);
    const deleted = await call('DELETE', `/${topic}/door`);
    assert.equal(cleared.status, 200, cleared.text);
    assert.equal(deleted.status, 200, deleted.text);
    for (const [r, kind] of [[cleared, 'message_clear'], [deleted, 'message_delete']] as const) {
      assert.equal(r.json.event, kind);
      assert.equal(r.json.sequence_id, 'door');
      assert.equal(r.json.topic, topic);
      assert.match(String(r.json.id), /^[A-Za-z0-9]{12}$/);
      assert.notEqual(r.json.id, message.json.id);
      assert.ok(typeof r.json.expires === 'number', 'cached like a message');
      assert.equal('message' in r.json, false);
    }

    const live = await nextEvents(json, 3);
    assert.deepEqual(live.map((e) => [e.event, e.sequence_id]), [['message', 'door'], ['message_clear', 'door'], ['message_delete', 'door']]);
    const sseLines = await sse.next(8); // data+blank, then event/data/blank twice
    assert.equal(sseLines[0], `data: ${message.text.trim()}`);
    assert.deepEqual([sseLines[2], sseLines[5]], ['event: message_clear', 'event: message_delete']);
    assert.equal(JSON.parse(sseLines[3]!.slice('data: '.length)).id, cleared.json.id);
    assert.deepEqual(await raw.next(3), ['Door open', '', ''], 'raw writes other events as empty lines');
    await eventually('the ws frames', () => frames.length >= 4);
    assert.deepEqual(frames.slice(1).map((f) => JSON.parse(f).event), ['message', 'message_clear', 'message_delete']);

    // A client that was offline finds the events in the cache, after the message they refer to.
    const polled = await poll(topic);
    assert.deepEqual(polled.map((e) => e.event), ['message', 'message_clear', 'message_delete']);
    const since = await poll(topic, `&since=${String(message.json.id)}`);
    assert.deepEqual(since.map((e) => e.id), [cleared.json.id, deleted.json.id]);
    // Filters apply to messages only: the events still reach a filtered subscriber.
    const filtered = await poll(topic, '&priority=5');
    assert.deepEqual(filtered.map((e) => e.event), ['message_clear', 'message_delete']);

    for (const s of [json, sse, raw]) s.close();
    ws.close();
  });

  test('POST also clears; clear and delete need write access on the topic', async () => {
    const topic = randomTopic('sq');
    const cleared = await call('POST', `/${topic}/any-id/clear`);
    assert.equal(cleared.json.event, 'message_clear');
    const locked = await startTestServer({ 'auth-file': 'auth.db', 'auth-default-access': 'read-only' });
    try {
      for (const [method, path] of [['PUT', `/${topic}/a/clear`], ['DELETE', `/${topic}/a`], ['PUT', `/${topic}/a`]] as const) {
        const res = await fetch(`${locked.url}${path}`, { method, body: method === 'DELETE' ? undefined : 'x' });
        assert.equal(res.status, 403, `${method} ${path}`);
      }
    } finally {
      await locked.close();
    }
  });
});

describe('sequence IDs: scheduled messages', () => {
  test('a publish with the sequence ID of a waiting scheduled message replaces it (dead man\'s switch)', async () => {
    const topic = randomTopic('sq');
    const stream = await openStream(`${server.url}/${topic}/json`);
    await nextEvents(stream);
    const first = await call('POST', `/${topic}/heartbeat`, 'heartbeat stopped (1)', { In: '1h' });
    const second = await call('POST', `/${topic}/heartbeat`, 'heartbeat stopped (2)', { In: '1h' });
    const other = await call('POST', `/${topic}/other`, 'another sequence', { In: '1h' });
    const waiting = await poll(topic, '&scheduled=1');
    assert.deepEqual(waiting.map((m) => m.id), [second.json.id, other.json.id], 'the first alarm is gone from the server');
    assert.notEqual(first.json.id, second.json.id);

    clock.advance(2 * 3600_000);
    const delivered = await nextEvents(stream, 2);
    assert.deepEqual(delivered.map((m) => m.message).sort(), ['another sequence', 'heartbeat stopped (2)']);
    stream.close();
    assert.deepEqual((await poll(topic)).map((m) => m.id).sort(), [second.json.id, other.json.id].sort());

    // Once delivered, an update with the same ID is a new message and the old one stays cached.
    const update = await call('POST', `/${topic}/heartbeat`, 'back again');
    assert.deepEqual((await poll(topic)).filter((m) => m.sequence_id === 'heartbeat').map((m) => m.id), [second.json.id, update.json.id]);
  });

  test('a delete cancels a waiting scheduled message; a clear does not', async () => {
    const topic = randomTopic('sq');
    await call('POST', `/${topic}/reminder`, 'take the pills', { In: '30m' });
    await call('PUT', `/${topic}/reminder/clear`);
    assert.equal((await poll(topic, '&scheduled=1')).filter((m) => m.event === 'message').length, 1);
    await call('DELETE', `/${topic}/reminder`);
    const left = await poll(topic, '&scheduled=1');
    assert.deepEqual(left.map((m) => m.event), ['message_clear', 'message_delete']);
  });
});

describe('sequence IDs: herald publish', () => {
  test('--sequence-id and --sid publish updates of one notification', async () => {
    const topic = randomTopic('sq');
    const first = await herald(['publish', '--sequence-id', 'job-7', topic, 'started'], { env: { HERALD_SERVER: server.url } });
    assert.equal(first.code, 0, first.stderr);
    const second = await herald(['publish', '--sid', 'job-7', topic, 'done'], { env: { HERALD_SERVER: server.url } });
    assert.equal(second.code, 0, second.stderr);
    const third = await herald(['publish', '-S', 'job-8', topic, 'other'], { env: { HERALD_SERVER: server.url } });
    assert.equal(third.code, 0, third.stderr);
    assert.deepEqual((await poll(topic)).map((m) => [m.sequence_id, m.message]), [['job-7', 'started'], ['job-7', 'done'], ['job-8', 'other']]);
  });
});

describe('ntfy 2.17: copy action buttons', () => {
  test('a copy action is published and cached with its value', async () => {
    const topic = randomTopic('cp');
    const res = await call('POST', `/${topic}`, 'Your code', { Actions: 'copy, Copy code, 123456' });
    assert.equal(res.status, 200, res.text);
    const [action] = res.json.actions as Json[];
    assert.deepEqual({ ...action, id: undefined }, { id: undefined, action: 'copy', label: 'Copy code', clear: false, value: '123456' });
    assert.deepEqual(((await poll(topic))[0]!.actions as Json[])[0], action);
    assert.equal((await call('POST', `/${topic}`, 'x', { Actions: 'copy, Copy code' })).json.code, 40018);
  });
});
