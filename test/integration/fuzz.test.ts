import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import fc from 'fast-check';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({
    'auth-file': 'auth.db',
    'base-url': 'http://fuzz.test',
    'visitor-request-limit-exempt-hosts': '127.0.0.1,::1',
    'enable-signup': 'true',
  });
});
after(() => server.close());

/** Paths of every route family, with holes the fuzzer fills. */
const PATHS = [
  '/', '/{t}', '/{t}/json', '/{t}/sse', '/{t}/raw', '/{t}/ws', '/{t}/auth', '/{t}/publish', '/{t}/send', '/{t}/trigger',
  '/{t},{t}/json', '/file/{t}', '/file/{t}.{t}', '/v1/health', '/v1/stats', '/v1/account', '/v1/account/password',
  '/v1/account/token', '/v1/users', '/v1/users/access', '/_matrix/push/v1/notify', '/metrics', '/{t}/{t}', '/{t}/{t}/{t}',
];
const HEADER_NAMES = [
  'X-Title', 'X-Message', 'X-Priority', 'Priority', 'X-Tags', 'X-Delay', 'X-Actions', 'X-Click', 'X-Attach', 'X-Filename',
  'X-Icon', 'X-Markdown', 'X-Email', 'X-Call', 'X-Cache', 'X-Firebase', 'X-UnifiedPush', 'X-Template', 'X-Poll-ID',
  'Authorization', 'Content-Type', 'Content-Encoding', 'X-Token', 'X-Forwarded-For', 'Since', 'X-Since',
];
const QUERY_NAMES = ['poll', 'since', 'scheduled', 'priority', 'tags', 'title', 'message', 'id', 'up', 'auth', 'p', 't', 'm', 'delay', 'actions'];

const segment = fc.oneof(
  fc.stringMatching(/^[-_A-Za-z0-9]{1,70}$/),
  fc.string({ maxLength: 20 }).map((s) => encodeURIComponent(s)),
  fc.constantFrom('%ZZ', '%00', '..', '%2F', 'a.b', 'docs', 'v1', '*', '%E0%A4%A'),
);
const headerValue = fc.oneof(
  fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
  fc.constantFrom('Basic Og==', 'Bearer tk_aaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'Basic !!!', '=?UTF-8?B?////?=', '[{"action":1}]', 'tomorrow', '-1', '99999999999', 'u=1, i', 'aes128gcm', 'text/markdown', 'yes', 'view, x'),
);
const body = fc.oneof(
  fc.constant(''),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 6000 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.record({ topic: segment, message: fc.string(), priority: fc.integer({ min: -2, max: 9 }), tags: fc.array(fc.string()) }).map((v) => JSON.stringify(v)),
  fc.record({ username: fc.string(), password: fc.string(), topic: fc.string(), permission: fc.string() }).map((v) => JSON.stringify(v)),
);
const requestArb = fc.record({
  method: fc.constantFrom('GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE', 'OPTIONS'),
  path: fc.tuple(fc.constantFrom(...PATHS), fc.array(segment, { minLength: 3, maxLength: 3 })),
  query: fc.array(fc.tuple(fc.constantFrom(...QUERY_NAMES), fc.string({ maxLength: 30 })), { maxLength: 4 }),
  headers: fc.array(fc.tuple(fc.constantFrom(...HEADER_NAMES), headerValue), { maxLength: 5 }),
  body,
});

type FuzzRequest = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

function send(r: FuzzRequest): Promise<number> {
  let i = 0;
  const path = r.path[0].replace(/\{t\}/g, () => r.path[1][i++ % 3]!);
  const qs = r.query.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  const headers: Record<string, string> = {};
  for (const [k, v] of r.headers) headers[k] = v;
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}${qs ? `?${qs}` : ''}`, { method: r.method, headers, agent: false, timeout: 3000 }, (res) => {
      res.resume();
      // Streams stay open: the status line is what counts.
      resolve(res.statusCode ?? 0);
      setTimeout(() => req.destroy(), 10);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.message === 'socket hang up' ? resolve(0) : reject(err)));
    if (r.method !== 'GET' && r.method !== 'HEAD' && r.body !== '') req.end(r.body);
    else req.end();
  });
}

test('random and malformed requests to every route never get a 5xx and leave the server healthy', async () => {
  const seen = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(requestArb, async (r) => {
      const status = await send(r);
      seen.set(status, (seen.get(status) ?? 0) + 1);
      assert.ok(status < 500, `${r.method} ${r.path[0]} → ${status}`);
    }),
    { numRuns: 1000, seed: Number(process.env.HERALD_FUZZ_SEED ?? Date.now() % 2 ** 31) },
  );
  assert.ok((seen.get(200) ?? 0) > 0 && [...seen.keys()].some((s) => s >= 400), `a mix of outcomes: ${JSON.stringify([...seen])}`);
  const health = await fetch(`${server.url}/v1/health`);
  assert.equal(await health.text(), '{"healthy":true}\n');
});
