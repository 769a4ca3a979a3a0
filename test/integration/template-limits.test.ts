import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { CLI_CONTEXT } from '../../src/core/audit/audit-trail.js';
import { openKeys } from '../../src/main.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/wait.js';

/**
 * Hostile templates through the public interface: template-mode publishes (issue 11 item 1) and
 * notify templates in Liquid. Each is refused with 40047 after bounded work, counted rather than
 * timed, while the server keeps answering; valid templates keep working.
 */
let server: TestServer;
let admin: string;

before(async () => {
  server = await startTestServer();
  const keys = await openKeys(loadConfig({ env: {}, flags: { 'database-file': join(server.dir, 'herald.db') } }).config);
  try {
    admin = `Bearer ${(await keys.keys.create(CLI_CONTEXT, { name: 'template-limits', scopes: ['admin'] })).secret}`;
  } finally {
    await keys.close();
  }
});
after(() => server.close());

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { Authorization: admin, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text.trim() ? JSON.parse(text.split('\n')[0]!) : undefined };
}

/** A template-mode publish: `message` is the template, `body` the JSON it renders. */
async function publishTemplate(topic: string, message: string, body = '{}'): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}/${topic}`, { method: 'POST', headers: { Template: 'yes', Message: message }, body });
  return { status: res.status, json: await res.json() };
}

/** 8 × 2^13 = 65,536 characters: the longest value a template may make. */
const LONGEST = '{{$s := "xxxxxxxx"}}{{range 13}}{{$s = print $s $s}}{{end}}';

describe('template mode', () => {
  it('refuses the payload that froze the server with 40047 while /v1/health answers', async () => {
    const topic = randomTopic();
    const payload = '{{$s := "xxxxxxxxxxxxxxxx"}}{{range 16}}{{$s = print $s $s}}{{end}}{{range 100000}}{{$t := title $s}}{{end}}ok';
    const [published, health] = await Promise.all([publishTemplate(topic, payload), fetch(`${server.url}/v1/health`)]);
    assert.equal(published.status, 400);
    assert.equal(published.json.code, 40047, JSON.stringify(published.json));
    assert.match(published.json.error, /template exceeds a size or work limit: print would produce more than 65536 characters/);
    assert.equal(health.status, 200);
    assert.equal((await fetch(`${server.url}/v1/health`)).status, 200);
    const cached = await fetch(`${server.url}/${topic}/json?poll=1`);
    assert.equal((await cached.text()).trim(), '', 'nothing was published');
  });

  it('refuses the same class of payloads, naming the limit', async () => {
    const topic = randomTopic();
    const work = /the render needs more than 1000000 units of work/;
    const cases: [string, RegExp][] = [
      ['{{$s := "xxxxxxxxxxxxxxxx"}}{{range 30}}{{$s = replace "x" "xx" $s}}{{end}}', /replace would produce more than 65536 characters/],
      [`${LONGEST}{{range 100000}}{{$t := replace "x" "y" $s}}{{end}}`, work],
      [`${LONGEST}{{range 100000}}{{$l := splitList "" $s}}{{end}}`, work],
      [`${LONGEST}{{$l := splitList "" $s}}{{$t := printf "%999v" $l}}`, /printf would produce more than 65536 characters/],
      ['{{range 1000}}{{range 1000}}{{range 1000}}{{end}}{{end}}{{end}}', work],
      [`${LONGEST}{{range 100000}}{{$t := title $s}}{{end}}`, work],
      ['{{range 100000}}{{$t := printf "%999d%999d%999d%999d" 1 2 3 4}}{{end}}', work],
    ];
    for (const [message, reason] of cases) {
      const res = await publishTemplate(topic, message);
      assert.equal(res.status, 400, message);
      assert.equal(res.json.code, 40047, `${message}: ${JSON.stringify(res.json)}`);
      assert.match(res.json.error, reason, message);
    }
    // A range over data counts the same way.
    const body = JSON.stringify({ a: Array.from({ length: 5000 }, () => 0) });
    const nested = await publishTemplate(topic, '{{range .a}}{{range $.a}}{{end}}{{end}}', body);
    assert.equal(nested.json.code, 40047);
    assert.equal((await fetch(`${server.url}/v1/health`)).status, 200);
  });

  it('keeps valid templates working', async () => {
    const topic = randomTopic();
    const body = JSON.stringify({ alert: { name: 'CPU' }, status: 'firing', hosts: Array.from({ length: 50 }, (_, i) => `db${i}`) });
    const res = await publishTemplate(topic, '{{.alert.name | upper}} is {{.status}} on {{len .hosts}} hosts: {{join ", " (slice .hosts 0 3)}}', body);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.json.message, 'CPU is firing on 50 hosts: db0, db1, db2');
  });
});

describe('notify templates (Liquid)', () => {
  before(async () => {
    assert.equal((await call('PUT', '/v1/categories/limits', { channels: ['inapp'] })).status, 200);
  });

  const hostile: [string, string][] = [
    ['nested loops', '{% for i in (1..1000) %}{% for j in (1..1000) %}{% for k in (1..1000) %}{% endfor %}{% endfor %}{% endfor %}'],
    ['string doubling with append', '{% assign s = "x" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}'],
    ['string doubling with capture', '{% capture s %}x{% endcapture %}{% for i in (1..40) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}{{ s | size }}'],
    ['replace growth', '{% assign s = "xxxxxxxx" %}{% for i in (1..30) %}{% assign s = s | replace: "x", "xx" %}{% endfor %}{{ s | size }}'],
    ['a long filter chain in a loop', `{% for i in (1..100000) %}{{ i${' | plus: 1'.repeat(500)} }}{% endfor %}`],
    ['output flood', '{% for i in (1..100000) %}{% for j in (1..100) %}xxxxxxxxxxxxxxxxxxxx{% endfor %}{% endfor %}'],
  ];

  it('stores hostile templates (they parse) and refuses to preview them with 40047 naming the field', async () => {
    for (const [what, source] of hostile) {
      const name = `hostile-${randomTopic()}`;
      const put = await call('PUT', `/v1/templates/${name}`, { category: 'limits', channels: { inapp: { body: source } } });
      assert.equal(put.status, 201, `${what}: ${JSON.stringify(put.json)}`);
      const preview = await call('POST', `/v1/templates/${name}/preview`, { data: {} });
      assert.equal(preview.status, 400, what);
      assert.equal(preview.json.code, 40047, `${what}: ${JSON.stringify(preview.json)}`);
      assert.match(preview.json.error, /inapp\.body \(locale en\) failed to render: the render exceeds its work limit of 1000000 units/, what);
    }
    assert.equal((await fetch(`${server.url}/v1/health`)).status, 200);
  });

  it('records a send whose data makes the template exceed the limit as failed, and sends valid ones', async () => {
    const name = `items-${randomTopic()}`;
    const body = '{% for a in items %}{% for b in items %}{% for c in items %}.{% endfor %}{% endfor %}{% endfor %}';
    assert.equal((await call('PUT', `/v1/templates/${name}`, { category: 'limits', channels: { inapp: { body } } })).status, 201);
    const small = await call('POST', `/v1/templates/${name}/preview`, { data: { items: [1, 2, 3] } });
    assert.equal(small.status, 200, JSON.stringify(small.json));
    assert.equal(small.json.channels.inapp.body, '.'.repeat(27));

    const who = `limits-${randomTopic()}`;
    assert.equal((await call('PUT', `/v1/subscribers/${who}`, {})).status, 201);
    const sent = await call('POST', '/v1/notify', { template: name, to: { subscribers: [who] }, channels: ['inapp'], data: { items: Array.from({ length: 300 }, (_, i) => i) } });
    assert.equal(sent.status, 202, JSON.stringify(sent.json));
    const inapp = async (): Promise<{ state: string; reason?: string } | undefined> => {
      const view = await call('GET', `/v1/notify/${sent.json.id as string}`);
      const recipient = (view.json.deliveries as { subscriber: string; channels: { channel: string; state: string; reason?: string }[] }[]).find((d) => d.subscriber === who);
      return recipient?.channels.find((c) => c.channel === 'inapp');
    };
    await eventually('the in-app delivery is settled', async () => (await inapp())?.state === 'failed');
    assert.match((await inapp())!.reason ?? '', /work limit of 1000000 units/);

    const fine = await call('POST', '/v1/notify', { template: name, to: { subscribers: [who] }, channels: ['inapp'], data: { items: [1, 2] } });
    assert.equal(fine.status, 202);
    await eventually('the valid one is sent', async () => {
      const view = await call('GET', `/v1/notify/${fine.json.id as string}`);
      return (view.json.deliveries as { subscriber: string; state: string }[]).some((d) => d.subscriber === who && d.state === 'sent');
    });
  });
});
