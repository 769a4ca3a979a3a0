import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { CLI_CONTEXT } from '../../src/core/audit/audit-trail.js';
import { openKeys } from '../../src/main.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/wait.js';

// Every error Fastify itself can answer with, provoked through HTTP: each must come back in the
// registry's JSON shape with the entry the error handler maps it to.

let server: TestServer;
before(async () => {
  server = await startTestServer({ 'attachment-file-size-limit': '8k', 'message-size-limit': '4k', 'base-url': 'http://files.test' });
});
after(() => server.close());

async function errorOf(res: Response): Promise<{ status: number; body: unknown }> {
  return { status: res.status, body: await res.json() };
}

const LIMITS = 'https://ntfy.sh/docs/publish/#limitations';

describe('Fastify errors reach clients in the JSON shape', () => {
  test('a topic list past the router parameter limit (FST_ERR_MAX_PARAM_LENGTH) is 400 40080', async () => {
    const list = Array.from({ length: 2100 }, (_, i) => `t${i}`).join(',');
    assert.ok(list.length > 8192);
    assert.deepEqual(await errorOf(await fetch(`${server.url}/${list}/json?poll=1`)), {
      status: 400, body: { code: 40080, http: 400, error: 'invalid request: too many topics in one request', link: LIMITS },
    });
    const sse = await fetch(`${server.url}/${list}/sse`);
    assert.equal(sse.headers.get('access-control-allow-origin'), '*');
    assert.equal(((await sse.json()) as { code: number }).code, 40080);
  });

  test('any other over-long path parameter names nothing: 404 40401', async () => {
    assert.deepEqual(await errorOf(await fetch(`${server.url}/${'a'.repeat(9000)}/json`)), {
      status: 404, body: { code: 40401, http: 404, error: 'page not found' },
    });
  });

  test('a malformed percent-escape in a path parameter (FST_ERR_BAD_URL) is 404 40401', async () => {
    for (const path of ['/%zz/json', '/%E0%A4%A/sse', '/file/%zz']) {
      assert.deepEqual(await errorOf(await fetch(`${server.url}${path}`)), { status: 404, body: { code: 40401, http: 404, error: 'page not found' } }, path);
    }
  });

  test('a Content-Type that is not a media type (FST_ERR_CTP_INVALID_MEDIA_TYPE) is 400 40081', async () => {
    const res = await fetch(`${server.url}/${randomTopic()}`, { method: 'POST', body: 'x', headers: { 'Content-Type': 'not a type' } });
    assert.deepEqual(await errorOf(res), { status: 400, body: { code: 40081, http: 400, error: 'invalid request: Content-Type header invalid' } });
  });

  test('a body over the route limit (FST_ERR_CTP_BODY_TOO_LARGE) is 413 41301 for uploads, 41303 for JSON', async () => {
    const upload = await fetch(`${server.url}/${randomTopic()}`, { method: 'PUT', body: new Uint8Array(20_000) });
    assert.equal(upload.status, 413);
    assert.equal(((await upload.json()) as { code: number }).code, 41301);
    const json = await fetch(`${server.url}/`, { method: 'POST', body: JSON.stringify({ topic: 'x', message: 'm'.repeat(9000) }) });
    assert.equal(json.status, 413);
    assert.equal(((await json.json()) as { code: number }).code, 41303);
  });

  test('a body shorter than its Content-Length (FST_ERR_CTP_INVALID_CONTENT_LENGTH) is 400 40082', async () => {
    // Node's HTTP parser waits for the missing bytes; a client that can lie is simulated in-process.
    const res = await server.app.inject({ method: 'PUT', url: `/${randomTopic()}`, payload: 'short', headers: { 'content-length': '50', 'content-type': 'text/plain' } });
    assert.equal(res.statusCode, 400);
    assert.equal(res.headers['content-length'], String(Buffer.byteLength(res.body)));
    assert.deepEqual(JSON.parse(res.body), { code: 40082, http: 400, error: 'invalid request: body length does not match Content-Length' });
  });

  test('an Expect other than 100-continue is ignored rather than answered with a bare 417', async () => {
    const { hostname, port } = new URL(server.url);
    const socket = connect(Number(port), hostname);
    const reader = new ResponseReader(socket);
    socket.write(`PUT /${randomTopic()} HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nContent-Length: 5\r\n\r\nhello`);
    const res = await reader.next();
    socket.destroy();
    assert.equal(res.status, 200);
    assert.equal((JSON.parse(res.body) as { message: string }).message, 'hello');
  });

  test('a query that fails its schema (FST_ERR_VALIDATION) is 400 40000', async () => {
    const keys = await openKeys(loadConfig({ env: {}, flags: { 'database-file': join(server.dir, 'herald.db') } }).config);
    let secret: string;
    try {
      secret = (await keys.keys.create(CLI_CONTEXT, { name: 'audit-reader', scopes: ['audit:read'] })).secret;
    } finally {
      await keys.close();
    }
    const res = await fetch(`${server.url}/v1/audit?limit=many`, { headers: { Authorization: `Bearer ${secret}` } });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { code: number; http: number; error: string };
    assert.equal(body.code, 40000);
    assert.match(body.error, /^invalid request: /);
  });
});

/** Reads HTTP/1.1 responses off a socket, in order, each by its Content-Length. */
class ResponseReader {
  #buffer = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  #closed = false;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    socket.on('close', () => {
      this.#closed = true;
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  async next(): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    for (;;) {
      const end = this.#buffer.indexOf('\r\n\r\n');
      if (end >= 0) {
        const [statusLine = '', ...lines] = this.#buffer.subarray(0, end).toString('latin1').split('\r\n');
        const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        const length = Number(headers['content-length'] ?? 0);
        if (this.#buffer.length >= end + 4 + length) {
          const body = this.#buffer.subarray(end + 4, end + 4 + length).toString('utf8');
          this.#buffer = this.#buffer.subarray(end + 4 + length);
          return { status: Number(statusLine.split(' ')[1]), headers, body };
        }
      }
      if (this.#closed) throw new Error(`connection closed with ${this.#buffer.length} unread bytes`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }
}

test('a request that arrives while the server shuts down is 503 50301 in the JSON shape', async () => {
  const local = await startTestServer();
  const { hostname, port } = new URL(local.url);
  const socket = connect(Number(port), hostname);
  await new Promise((resolve) => socket.once('connect', resolve));
  const reader = new ResponseReader(socket);
  const topic = randomTopic();
  // A publish whose body is not all there keeps the connection busy while the server closes. Node
  // answers 100 Continue as it hands the request over, so once that arrives the request is in hand.
  socket.write(`PUT /${topic} HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\nhello`);
  assert.equal((await reader.next()).status, 100);
  const stopping = local.close();
  // The listener closes after the shutdown hooks ran: from then on, the server is closing.
  await eventually('the listener to close', () => new Promise<boolean>((resolve) => {
    const probe = connect(Number(port), hostname);
    probe.once('connect', () => (probe.destroy(), resolve(false)));
    probe.once('error', () => resolve(true));
  }));
  socket.write(`worldGET /${topic}/json?poll=1 HTTP/1.1\r\nHost: x\r\n\r\n`);
  const first = await reader.next();
  assert.equal(first.status, 200, `the request already in hand is answered: ${first.body}`);
  const second = await reader.next();
  assert.equal(second.status, 503);
  assert.equal(second.headers['connection'], 'close');
  assert.deepEqual(JSON.parse(second.body), { code: 50301, http: 503, error: 'service unavailable: the server is shutting down' });
  socket.destroy();
  await stopping;
});
