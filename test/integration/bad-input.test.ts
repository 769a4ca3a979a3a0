import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ 'attachment-cache-dir': '' });
});
after(() => server.close());

interface Case {
  name: string;
  method?: string;
  path: string | (() => string);
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  status: number;
  code?: number;
}

const t = () => randomTopic();
const CASES: Case[] = [
  { name: 'topic with a dot', method: 'PUT', path: '/my.topic', body: 'x', status: 404, code: 40401 },
  { name: 'topic of 65 characters', method: 'POST', path: `/${'a'.repeat(65)}`, body: 'x', status: 404, code: 40401 },
  { name: 'reserved topic', method: 'POST', path: '/docs', body: 'x', status: 400, code: 40010 },
  { name: 'unknown method on a topic', method: 'DELETE', path: () => `/${t()}`, status: 404, code: 40401 },
  { name: 'POST to a stream path', method: 'POST', path: () => `/${t()}/json`, body: 'x', status: 404, code: 40401 },
  { name: 'bad priority', method: 'POST', path: () => `/${t()}`, headers: { Priority: 'extreme' }, status: 400, code: 40007 },
  { name: 'priority 6', method: 'POST', path: () => `/${t()}?p=6`, status: 400, code: 40007 },
  { name: 'unparseable delay', method: 'POST', path: () => `/${t()}`, headers: { Delay: 'whenever you like' }, status: 400, code: 40004 },
  { name: 'delay too small', method: 'POST', path: () => `/${t()}`, headers: { Delay: '2s' }, status: 400, code: 40005 },
  { name: 'delay too large', method: 'POST', path: () => `/${t()}`, headers: { Delay: '4d' }, status: 400, code: 40006 },
  { name: 'delay with Cache: no', method: 'POST', path: () => `/${t()}`, headers: { Delay: '1h', Cache: 'no' }, status: 400, code: 40002 },
  { name: 'email without SMTP', method: 'POST', path: () => `/${t()}`, headers: { Email: 'a@b.c' }, status: 400, code: 40001 },
  { name: 'call without an account', method: 'POST', path: () => `/${t()}`, headers: { Call: 'yes' }, status: 400, code: 40032 },
  // With calls off, ntfy refuses any X-Call before looking at the number (40033 is in phone-calls.test.ts).
  { name: 'call with a bad number while calls are off', method: 'POST', path: () => `/${t()}`, headers: { Call: 'five' }, status: 400, code: 40032 },
  { name: 'bad since', method: 'GET', path: () => `/${t()}/json?poll=1&since=yesterday`, status: 400, code: 40008 },
  { name: 'since with days', method: 'GET', path: () => `/${t()}/json?poll=1&since=2d`, status: 400, code: 40008 },
  { name: 'bad priority filter', method: 'GET', path: () => `/${t()}/json?poll=1&priority=7`, status: 400, code: 40007 },
  { name: 'actions not JSON nor simple', method: 'POST', path: () => `/${t()}`, headers: { Actions: '[{"action":' }, status: 400, code: 40018 },
  { name: 'unknown action type', method: 'POST', path: () => `/${t()}`, headers: { Actions: 'dance, Go, https://x' }, status: 400, code: 40018 },
  { name: 'four actions', method: 'POST', path: () => `/${t()}`, headers: { Actions: 'view,a,https://a;view,b,https://b;view,c,https://c;view,d,https://d' }, status: 400, code: 40018 },
  { name: 'attach URL not http', method: 'POST', path: () => `/${t()}`, headers: { Attach: 'ftp://x/y' }, status: 400, code: 40013 },
  { name: 'icon URL not http', method: 'POST', path: () => `/${t()}`, headers: { Icon: 'file:///etc/passwd' }, status: 400, code: 40021 },
  { name: 'attachment while attachments are off', method: 'POST', path: () => `/${t()}`, body: 'x'.repeat(4096), status: 400, code: 40014 },
  { name: 'non-UTF-8 body while attachments are off', method: 'POST', path: () => `/${t()}`, body: new Uint8Array([0xc3, 0x28, 0xff]), status: 400, code: 40014 },
  { name: 'JSON publish: invalid JSON', method: 'POST', path: '/', body: '{"topic":', status: 400, code: 40024 },
  { name: 'JSON publish: not an object', method: 'POST', path: '/', body: '[1,2]', status: 400, code: 40024 },
  { name: 'JSON publish: no topic', method: 'POST', path: '/', body: '{"message":"x"}', status: 400, code: 40009 },
  { name: 'JSON publish: bad topic', method: 'POST', path: '/', body: '{"topic":"a/b"}', status: 400, code: 40009 },
  { name: 'JSON publish: wrong field type', method: 'POST', path: '/', body: '{"topic":"abc","tags":"not-a-list"}', status: 400, code: 40024 },
  { name: 'JSON publish: oversized', method: 'POST', path: '/', body: JSON.stringify({ topic: 'abc', message: 'x'.repeat(9000) }), status: 413, code: 41303 },
  { name: 'template body not JSON', method: 'POST', path: () => `/${t()}`, headers: { Template: '1', Message: '{{.a}}' }, body: 'nope', status: 400, code: 40042 },
  { name: 'template with a disallowed function', method: 'POST', path: () => `/${t()}`, headers: { Template: '1', Message: '{{template "x"}}' }, body: '{}', status: 400, code: 40044 },
  { name: 'template syntax error', method: 'POST', path: () => `/${t()}`, headers: { Template: '1', Message: '{{.a' }, body: '{}', status: 400, code: 40043 },
  { name: 'unknown route', method: 'GET', path: '/v1/nothing-here', status: 404, code: 40401 },
];

function send(c: Case): Promise<{ status: number; text: string }> {
  const path = typeof c.path === 'function' ? c.path() : c.path;
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method: c.method ?? 'GET', headers: c.headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(c.body);
  });
}

describe('bad input gets its 4xx code, never a 500', () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const r = await send(c);
      assert.equal(r.status, c.status, r.text);
      const body = JSON.parse(r.text) as { code: number; http: number; error: string };
      assert.equal(body.http, c.status);
      if (c.code) assert.equal(body.code, c.code);
      assert.equal(typeof body.error, 'string');
      assert.ok(r.text.endsWith('\n'));
    });
  }

  test('oversized headers get a JSON 431', async () => {
    const r = await send({ name: '', method: 'POST', path: `/${t()}`, headers: { 'X-Title': 'x'.repeat(20_000) }, status: 431 });
    assert.equal(r.status, 431);
    assert.equal((JSON.parse(r.text) as { code: number }).code, 43101);
  });

  test('the server is still healthy after the matrix', async () => {
    const r = await send({ name: '', path: '/v1/health', status: 200 });
    assert.equal(r.text, '{"healthy":true}\n');
  });
});

describe('JSON shape limits', () => {
  test('deeply nested JSON publish bodies are 400 40024', async () => {
    const deep = `{"topic":"abc","x":${'['.repeat(40)}${']'.repeat(40)}}`;
    const res = await fetch(`${server.url}/`, { method: 'POST', body: deep });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { code: number; error: string };
    assert.equal(body.code, 40024);
    assert.match(body.error, /deeper than 32/);
  });
});
