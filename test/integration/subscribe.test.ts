import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';
import { nextEvents, openStream } from '../helpers/streams.js';
import { eventually } from '../helpers/wait.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ 'keepalive-interval': '1s', 'visitor-request-limit-exempt-hosts': '127.0.0.1,::1' });
});
after(() => server.close());

async function publish(topic: string, body: string, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}/${topic}`, { method: 'POST', body, headers });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as Record<string, unknown>;
}

describe('subscribe', () => {
  test('/json streams open, then live messages, then keepalives', async () => {
    const topic = randomTopic();
    const s = await openStream(`${server.url}/${topic}/json`);
    assert.equal(s.status, 200);
    assert.equal(s.headers['content-type'], 'application/x-ndjson; charset=utf-8');
    assert.equal(s.headers['access-control-allow-origin'], '*');
    const [open] = await nextEvents(s);
    assert.deepEqual(Object.keys(open!), ['id', 'time', 'event', 'topic']);
    assert.equal(open!.event, 'open');
    const sent = await publish(topic, 'hello');
    const [msg] = await nextEvents(s);
    assert.equal(msg!.id, sent.id);
    assert.equal(msg!.message, 'hello');
    const [keepalive] = await nextEvents(s);
    assert.equal(keepalive!.event, 'keepalive');
    assert.equal(keepalive!.topic, topic);
    s.close();
  });

  test('/sse: message events have no event line, others do; no id lines', async () => {
    const topic = randomTopic();
    const s = await openStream(`${server.url}/${topic}/sse`);
    assert.equal(s.headers['content-type'], 'text/event-stream; charset=utf-8');
    const open = await s.next(3);
    assert.equal(open[0], 'event: open');
    assert.match(open[1]!, /^data: \{"id":"[A-Za-z0-9]{12}","time":\d+,"event":"open","topic":"/);
    assert.equal(open[2], '');
    await publish(topic, 'sse body');
    const msg = await s.next(2);
    assert.match(msg[0]!, /^data: \{.*"message":"sse body"\}$/);
    assert.equal(msg[1], '');
    const ka = await s.next(3);
    assert.equal(ka[0], 'event: keepalive');
    s.close();
  });

  test('/raw writes message text with newlines flattened, other events as empty lines', async () => {
    const topic = randomTopic();
    const s = await openStream(`${server.url}/${topic}/raw`);
    assert.equal(s.headers['content-type'], 'text/plain; charset=utf-8');
    assert.deepEqual(await s.next(1), ['']);
    await publish(topic, 'a\nb');
    assert.deepEqual(await s.next(1), ['a b']);
    s.close();
  });

  test('multi-topic streams merge topics; open carries the comma list', async () => {
    const a = randomTopic();
    const b = randomTopic();
    const s = await openStream(`${server.url}/${a},${b}/json`);
    const [open] = await nextEvents(s);
    assert.equal(open!.topic, `${a},${b}`);
    await publish(a, 'to a');
    await publish(b, 'to b');
    const events = await nextEvents(s, 2);
    assert.deepEqual(events.map((e) => e.topic), [a, b]);
    s.close();
  });

  test('since= all, latest, id, unix time and duration replay the cache', async () => {
    const topic = randomTopic();
    const m1 = await publish(topic, 'one');
    const m2 = await publish(topic, 'two');
    const m3 = await publish(topic, 'three');
    const ids = async (query: string) => {
      const res = await fetch(`${server.url}/${topic}/json?poll=1&${query}`);
      return (await res.text()).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id);
    };
    assert.deepEqual(await ids(''), [m1.id, m2.id, m3.id]);
    assert.deepEqual(await ids('since=all'), [m1.id, m2.id, m3.id]);
    assert.deepEqual(await ids('since=none'), []);
    assert.deepEqual(await ids('since=latest'), [m3.id]);
    assert.deepEqual(await ids(`since=${m1.id as string}`), [m2.id, m3.id]);
    assert.deepEqual(await ids('since=zzzzzzzzzzzz'), [m1.id, m2.id, m3.id]);
    assert.deepEqual(await ids(`since=${m1.time as number}`), [m1.id, m2.id, m3.id]);
    assert.deepEqual(await ids('since=10m'), [m1.id, m2.id, m3.id]);
    assert.deepEqual(await ids(`since=${(m3.time as number) + 100}`), []);
    const s = await openStream(`${server.url}/${topic}/json?since=${m2.id as string}`);
    const events = await nextEvents(s, 2);
    assert.deepEqual(events.map((e) => e.event), ['open', 'message']);
    assert.equal(events[1]!.id, m3.id);
    s.close();
  });

  test('filters: id, message, title exact; priority OR; tags AND', async () => {
    const topic = randomTopic();
    const a = await publish(topic, 'alpha', { Title: 'T1', Priority: '5', Tags: 'x,y' });
    await publish(topic, 'beta', { Tags: 'x' });
    const c = await publish(topic, 'gamma', { Priority: 'low' });
    const msgs = async (query: string) => {
      const res = await fetch(`${server.url}/${topic}/json?poll=1&${query}`);
      assert.equal(res.status, 200);
      return (await res.text()).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { message: string }).message);
    };
    assert.deepEqual(await msgs(`id=${a.id as string}`), ['alpha']);
    assert.deepEqual(await msgs('message=beta'), ['beta']);
    assert.deepEqual(await msgs('title=T1'), ['alpha']);
    assert.deepEqual(await msgs('priority=5,low'), ['alpha', 'gamma']);
    assert.deepEqual(await msgs('priority=default'), ['beta']);
    assert.deepEqual(await msgs('tags=x'), ['alpha', 'beta']);
    assert.deepEqual(await msgs('tags=x,y'), ['alpha']);
    assert.equal(c.priority, 2);
    const s = await openStream(`${server.url}/${topic}/json?tags=live`);
    await nextEvents(s);
    await publish(topic, 'untagged');
    await publish(topic, 'tagged', { Tags: 'live' });
    const [ev] = await nextEvents(s);
    assert.equal(ev!.message, 'tagged');
    s.close();
  });

  test('/ws sends open and messages as text frames with a trailing newline, pings as keepalive', async () => {
    const topic = randomTopic();
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/${topic}/ws`);
    const frames: string[] = [];
    let pinged = false;
    ws.on('ping', () => (pinged = true));
    ws.on('message', (data, isBinary) => {
      assert.equal(isBinary, false);
      frames.push(data.toString());
    });
    await new Promise((r) => ws.once('open', r));
    await eventually('the open frame', () => frames.length >= 1);
    assert.equal(JSON.parse(frames[0]!).event, 'open');
    const sent = await publish(topic, 'over ws');
    await eventually('the message frame', () => frames.length >= 2);
    assert.ok(frames[1]!.endsWith('}\n'));
    assert.equal(JSON.parse(frames[1]!).id, sent.id);
    await eventually('a ping control frame', () => pinged);
    assert.ok(frames.every((f) => JSON.parse(f).event !== 'keepalive'));
    ws.close();
  });

  test('/ws closes a client that sends frames over 64 bytes', async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/${randomTopic()}/ws`);
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send('x'.repeat(100));
    assert.equal(await closed, 1009);
  });

  test('/ws without an upgrade header is 400 40016; a refused upgrade answers 404 for a bad topic', async () => {
    const res = await fetch(`${server.url}/${randomTopic()}/ws`);
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { code: number }).code, 40016);
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/bad.topic/ws`);
    const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    assert.equal(status, 404);
  });

  test('/auth answers success for readable topics', async () => {
    const res = await fetch(`${server.url}/${randomTopic()},${randomTopic()}/auth`);
    assert.equal(await res.text(), '{"success":true}\n');
  });

  test('a live message published while the cache is replayed is delivered exactly once', async () => {
    const topic = randomTopic();
    for (let i = 0; i < 50; i++) await publish(topic, `old ${i}`);
    const s = await openStream(`${server.url}/${topic}/json?since=all`);
    const live = publish(topic, 'live one');
    const events = await nextEvents(s, 52);
    await live;
    assert.equal(events.filter((e) => e.message === 'live one').length, 1);
    assert.equal(events.filter((e) => e.event === 'message').length, 51);
    s.close();
  });
});
