import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ 'base-url': 'http://herald.test', 'enable-metrics': 'true' });
});
after(() => server.close());

async function publish(topic: string, init: RequestInit & { query?: string } = {}): Promise<{ status: number; body: Record<string, unknown>; text: string; headers: Headers }> {
  const res = await fetch(`${server.url}/${topic}${init.query ?? ''}`, { method: 'POST', ...init });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, text, headers: res.headers };
}

async function poll(topic: string, query = ''): Promise<Record<string, unknown>[]> {
  const res = await fetch(`${server.url}/${topic}/json?poll=1${query}`);
  const text = await res.text();
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('publish', () => {
  test('a plain body becomes the message, with ntfy field order and a trailing newline', async () => {
    const topic = randomTopic();
    const r = await publish(topic, { body: '  backup done \n' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    assert.ok(r.text.endsWith('}\n'));
    assert.deepEqual(Object.keys(r.body), ['id', 'time', 'expires', 'event', 'topic', 'message']);
    assert.match(r.body.id as string, /^[A-Za-z0-9]{12}$/);
    assert.equal(r.body.event, 'message');
    assert.equal(r.body.message, 'backup done');
    assert.equal(r.body.expires, (r.body.time as number) + 12 * 3600);
    const cached = await poll(topic);
    assert.equal(cached.length, 1);
    assert.equal(cached[0]!.id, r.body.id);
  });

  test('PUT works like POST and an empty body gives "triggered"', async () => {
    const r = await publish(randomTopic(), { method: 'PUT' });
    assert.equal(r.status, 200);
    assert.equal(r.body.message, 'triggered');
  });

  test('headers set title, priority names, tags, click, icon, markdown', async () => {
    const r = await publish(randomTopic(), {
      body: '**hi**',
      headers: { Title: 'Disk', 'X-Priority': 'urgent', Tags: 'warning, , skull ', Click: 'https://example.com/x', Icon: 'https://example.com/i.png', Markdown: 'yes' },
    });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body), ['id', 'time', 'expires', 'event', 'topic', 'title', 'message', 'priority', 'tags', 'click', 'icon', 'content_type']);
    assert.equal(r.body.title, 'Disk');
    assert.equal(r.body.priority, 5);
    assert.deepEqual(r.body.tags, ['warning', 'skull']);
    assert.equal(r.body.content_type, 'text/markdown');
  });

  test('headers sent as raw UTF-8 (as curl -H "Title: Grüße" does) keep their text', async () => {
    // fetch() only takes Latin-1 header strings, so the UTF-8 bytes go over as their Latin-1 reading.
    const raw = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');
    const r = await publish(randomTopic(), { body: 'x', headers: { Title: raw('Grüße aus Köln 🎉'), Tags: raw('straße,日本') } });
    assert.equal(r.status, 200);
    assert.equal(r.body.title, 'Grüße aus Köln 🎉');
    assert.deepEqual(r.body.tags, ['straße', '日本']);
  });

  test('Content-Type text/markdown turns markdown on', async () => {
    const r = await publish(randomTopic(), { body: '# x', headers: { 'Content-Type': 'text/markdown' } });
    assert.equal(r.body.content_type, 'text/markdown');
  });

  test('every alias works as a lowercase query parameter; headers win over the query', async () => {
    const topic = randomTopic();
    const r = await publish(topic, { query: '?t=QueryTitle&p=2&ta=a,b&m=line1\\nline2' });
    assert.equal(r.body.title, 'QueryTitle');
    assert.equal(r.body.priority, 2);
    assert.deepEqual(r.body.tags, ['a', 'b']);
    assert.equal(r.body.message, 'line1\nline2');
    const h = await publish(topic, { query: '?title=fromQuery', headers: { 'X-Title': 'fromHeader' } });
    assert.equal(h.body.title, 'fromHeader');
    const upper = await publish(topic, { query: '?X-Title=ignored' });
    assert.equal(upper.body.title, undefined);
  });

  test('GET /<topic>/publish, /send and /trigger publish from the query', async () => {
    const topic = randomTopic();
    for (const verb of ['publish', 'send', 'trigger']) {
      const res = await fetch(`${server.url}/${topic}/${verb}?message=hi+${verb}&priority=high`);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(res.status, 200);
      assert.equal(body.message, `hi ${verb}`);
      assert.equal(body.priority, 4);
    }
    const res = await fetch(`${server.url}/${topic}/trigger`);
    assert.equal(((await res.json()) as Record<string, unknown>).message, 'triggered');
  });

  test('RFC 2047 encoded headers are decoded', async () => {
    const r = await publish(randomTopic(), { body: 'x', headers: { Title: '=?UTF-8?B?SMOpbGzDtiB3w7ZybGQ=?=' } });
    assert.equal(r.body.title, 'Héllö wörld');
  });

  test('RFC 9218 Priority values are ignored in favour of other aliases', async () => {
    const r = await publish(randomTopic(), { body: 'x', headers: { Priority: 'u=1, i' }, query: '?p=4' });
    assert.equal(r.status, 200);
    assert.equal(r.body.priority, 4);
  });

  test('actions in JSON and in the simple format', async () => {
    const simple = await publish(randomTopic(), { body: 'x', headers: { Actions: 'view, Open, https://example.com; http, Close door, https://api.example.com/door, method=put, clear=true' } });
    assert.equal(simple.status, 200);
    const actions = simple.body.actions as Record<string, unknown>[];
    assert.equal(actions.length, 2);
    assert.deepEqual(Object.keys(actions[0]!), ['id', 'action', 'label', 'clear', 'url']);
    assert.match(actions[0]!.id as string, /^[A-Za-z0-9]{10}$/);
    assert.equal(actions[1]!.method, 'PUT');
    assert.equal(actions[1]!.clear, true);
    const json = await publish(randomTopic(), { body: 'x', headers: { Actions: JSON.stringify([{ action: 'broadcast', label: 'Go', extras: { cmd: 'go' } }]) } });
    assert.equal(json.status, 200);
    assert.deepEqual((json.body.actions as Record<string, unknown>[])[0]!.extras, { cmd: 'go' });
  });

  test('Cache: no skips the cache and omits expires', async () => {
    const topic = randomTopic();
    const r = await publish(topic, { body: 'volatile', headers: { Cache: 'no' } });
    assert.equal(r.status, 200);
    assert.equal(r.body.expires, undefined);
    assert.deepEqual(await poll(topic), []);
  });

  test('a delayed message gets its future time and is only returned with scheduled=1', async () => {
    const topic = randomTopic();
    const before = Math.floor(Date.now() / 1000);
    const r = await publish(topic, { body: 'later', headers: { Delay: '1h' } });
    const after = Math.ceil(Date.now() / 1000);
    assert.equal(r.status, 200);
    assert.ok((r.body.time as number) >= before + 3600 && (r.body.time as number) <= after + 3600, `time ${String(r.body.time)} is an hour after the publish`);
    assert.deepEqual(await poll(topic), []);
    const scheduled = await poll(topic, '&scheduled=1');
    assert.equal(scheduled.length, 1);
    assert.equal(scheduled[0]!.id, r.body.id);
    const nl = await publish(topic, { body: 'x', headers: { At: 'tomorrow, 10am' } });
    assert.equal(nl.status, 200);
    assert.ok((nl.body.time as number) > after);
    const unix = await publish(topic, { body: 'x', headers: { 'X-At': String(before + 7200) } });
    assert.equal(unix.body.time, before + 7200);
  });

  test('JSON publish to / maps fields onto the message', async () => {
    const topic = randomTopic();
    const res = await fetch(`${server.url}/`, {
      method: 'POST',
      body: JSON.stringify({ topic, message: 'json body', title: 'T', priority: 4, tags: ['a'], click: 'https://c', actions: [{ action: 'view', label: 'L', url: 'https://u' }], markdown: true, unknown: 1 }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(res.status, 200);
    assert.equal(body.topic, topic);
    assert.equal(body.message, 'json body');
    assert.equal(body.title, 'T');
    assert.equal(body.priority, 4);
    assert.deepEqual(body.tags, ['a']);
    assert.equal(body.content_type, 'text/markdown');
    assert.equal((body.actions as unknown[]).length, 1);
  });

  test('external attachments take their name from the URL', async () => {
    const r = await publish(randomTopic(), { headers: { Attach: 'https://example.com/files/report.pdf' } });
    assert.deepEqual(r.body.attachment, { name: 'report.pdf', url: 'https://example.com/files/report.pdf' });
    assert.equal(r.body.message, 'You received a file: report.pdf');
  });

  test('template mode renders message and title from the JSON body', async () => {
    const r = await publish(randomTopic(), {
      body: JSON.stringify({ alert: { name: 'CPU' }, status: 'firing' }),
      headers: { Template: 'yes', Message: '{{.alert.name}} is {{.status}}', Title: 'Alert {{.status}}' },
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.message, 'CPU is firing');
    assert.equal(r.body.title, 'Alert firing');
  });

  test('poll requests carry poll_id and are not cached', async () => {
    const topic = randomTopic();
    const r = await publish(topic, { body: 'ignored', headers: { 'Poll-ID': 'abc123' } });
    assert.equal(r.body.event, 'poll_request');
    assert.equal(r.body.message, 'New message');
    assert.equal(r.body.poll_id, 'abc123');
    assert.equal(r.body.expires, undefined);
    assert.deepEqual(await poll(topic), []);
  });

  test('UnifiedPush: discovery, UTF-8 bodies untrimmed, binary bodies as base64', async () => {
    const topic = randomTopic();
    const discovery = await fetch(`${server.url}/${topic}?up=1`);
    assert.equal(await discovery.text(), '{"unifiedpush":{"version":1}}\n');
    const text = await publish(topic, { body: '  padded  ', query: '?up=1' });
    assert.equal(text.body.message, '  padded  ');
    const binary = await publish(topic, { body: new Uint8Array([0xff, 0x00, 0xfe]), headers: { 'Content-Encoding': 'aes128gcm' } });
    assert.equal(binary.body.message, '/wD+');
    assert.equal(binary.body.encoding, 'base64');
  });

  test('stats count published messages; health answers', async () => {
    const stats = (await (await fetch(`${server.url}/v1/stats`)).json()) as Record<string, unknown>;
    assert.equal(typeof stats.messages, 'number');
    assert.ok((stats.messages as number) > 0);
    assert.equal(typeof stats.messages_rate, 'number');
    assert.equal(await (await fetch(`${server.url}/v1/health`)).text(), '{"healthy":true}\n');
  });

  test('OPTIONS answers CORS preflight on any path', async () => {
    const res = await fetch(`${server.url}/anything/here`, { method: 'OPTIONS' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-methods'), 'GET, PUT, POST, PATCH, DELETE');
    assert.equal(res.headers.get('access-control-allow-headers'), '*');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
  });

  test('metrics are exported in Prometheus format', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    for (const name of ['herald_messages_published_total', 'herald_deliveries_total', 'herald_subscribers', 'herald_http_request_duration_seconds_bucket', 'herald_cache_write_batch_size_bucket']) {
      assert.ok(text.includes(name), `missing ${name}`);
    }
  });
});
