import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { execFile } from 'node:child_process';
import { constants, createSecureServer, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { withFastAsyncBind } from '../../src/adapters/providers/http2/fast-async-bind.js';
import { Fifo } from '../../src/adapters/providers/http2/fifo.js';
import { reconnectDelay } from '../../src/adapters/providers/http2/reconnect-backoff.js';
import { Http2RequestError, Http2SessionPool, type Http2FailureKind, type Http2PoolOptions } from '../../src/adapters/providers/http2/session-pool.js';
import { testCertificate } from '../mocks/tls.js';
import { eventually } from '../helpers/wait.js';

describe('Fifo', () => {
  test('keeps order through growth, wrap-around and unshift', () => {
    const q = new Fifo<number>();
    const expected: number[] = [];
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 40; i++) {
        q.push(round * 100 + i);
        expected.push(round * 100 + i);
      }
      for (let i = 0; i < 25; i++) assert.equal(q.shift(), expected.shift());
    }
    q.unshift(-1);
    expected.unshift(-1);
    assert.equal(q.length, expected.length);
    assert.equal(q.peek(), -1);
    const drained: number[] = [];
    for (let v = q.shift(); v !== undefined; v = q.shift()) drained.push(v);
    assert.deepEqual(drained, expected);
    assert.equal(q.shift(), undefined);
    assert.equal(q.length, 0);
  });
});

describe('withFastAsyncBind', () => {
  test('AsyncResource#bind keeps its behaviour inside: async context, this, length, asyncResource', async () => {
    const store = new AsyncLocalStorage<string>();
    const resource = store.run('bound-context', () => new AsyncResource('test'));
    function probe(this: unknown, a: number, b: number) {
      return { context: store.getStore(), self: this, sum: a + b };
    }
    const bound = withFastAsyncBind(() => resource.bind(probe));
    const receiver = { name: 'receiver' };
    const result = store.run('caller-context', () => bound.call(receiver, 1, 2));
    assert.deepEqual(result, { context: 'bound-context', self: receiver, sum: 3 });
    assert.equal(bound.length, 2);
    const withThis = withFastAsyncBind(() => (resource.bind as (fn: typeof probe, thisArg: unknown) => typeof probe)(probe, receiver));
    assert.deepEqual(withThis(2, 3), { context: 'bound-context', self: receiver, sum: 5 });
    const fixedThis = withFastAsyncBind(() => AsyncResource.bind(probe, 'static', receiver));
    assert.equal(fixedThis(1, 1).self, receiver);
    const warning = new Promise<Error>((resolve) => process.once('warning', resolve));
    assert.equal((bound as unknown as { asyncResource: AsyncResource }).asyncResource, resource, 'the deprecated accessor still works');
    assert.equal(((await warning) as Error & { code?: string }).code, 'DEP0172');
    assert.throws(() => withFastAsyncBind(() => resource.bind('nope' as unknown as () => void)), TypeError);
  });

  test('a bound function of no parameters has length 0 and, like Node\'s, only asyncResource as an own enumerable key', () => {
    const resource = new AsyncResource('test');
    const bound = withFastAsyncBind(() => resource.bind(() => 7));
    assert.equal(bound.length, 0);
    assert.equal(bound(), 7);
    assert.deepEqual(Object.keys(bound), Object.keys(resource.bind(() => 7)));
    assert.deepEqual(Object.keys(bound), ['asyncResource']);
  });

  test("Node is left as it was: the prototype's bind is its own again after the call, even after a throw", () => {
    const own = AsyncResource.prototype.bind;
    let inside: unknown;
    withFastAsyncBind(() => (inside = AsyncResource.prototype.bind));
    assert.equal(AsyncResource.prototype.bind, own);
    assert.throws(() => withFastAsyncBind(() => {
      throw new Error('boom');
    }), /boom/);
    assert.equal(AsyncResource.prototype.bind, own);
    // Only Node 20's slow bind is stood in for; on later versions the call runs with Node's own.
    if (Function.prototype.toString.call(own).includes('DEP0172')) assert.notEqual(inside, own);
    else assert.equal(inside, own);
  });
});

describe('reconnectDelay', () => {
  test('full jitter under an exponential ceiling capped at maxMs', () => {
    const options = { baseMs: 100, maxMs: 1000 };
    assert.equal(reconnectDelay(1, options, () => 0), 0);
    assert.equal(reconnectDelay(1, options, () => 0.9999), 100);
    assert.equal(reconnectDelay(3, options, () => 0.9999), 400);
    assert.equal(reconnectDelay(10, options, () => 0.9999), 1000);
    assert.equal(reconnectDelay(5000, options, () => 0.5), 500);
    assert.equal(reconnectDelay(0, options, () => 0.9999), 100, 'attempts below 1 count as the first');
  });
});

type Handler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, session: number) => void;

async function withServer(handler: Handler, settings: { maxConcurrentStreams?: number }, body: (origin: string, info: { sessions: () => number }) => Promise<void>): Promise<void> {
  const cert = testCertificate();
  const server = createSecureServer({ cert: cert.cert, key: cert.key, settings });
  let sessions = 0;
  const open = new Set<ServerHttp2Session>();
  server.on('session', (session) => {
    (session as unknown as { n: number }).n = ++sessions;
    open.add(session);
    session.on('close', () => open.delete(session));
    session.on('error', () => {});
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    handler(stream, headers, (stream.session as unknown as { n: number }).n);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await body(origin, { sessions: () => sessions });
  } finally {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // A test that failed before closing its pool must not leave the server waiting on it.
      for (const session of open) session.destroy();
    });
  }
}

function pool(origin: string, options: Partial<Http2PoolOptions> = {}): Http2SessionPool {
  return new Http2SessionPool({ origin, name: 'test', tls: { ca: testCertificate().cert }, ...options });
}

async function failureKind(promise: Promise<unknown>): Promise<Http2FailureKind> {
  const err = await promise.then(
    () => assert.fail('expected a transport failure'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof Http2RequestError, String(err));
  return err.kind;
}

const POST = (path: string) => ({ ':method': 'POST', ':path': path });

/** Polls until `condition` holds (the pool works on its own schedule), failing after `ms`. */
describe('Http2SessionPool', () => {
  test('any HTTP status resolves with headers and the whole body, however it is chunked', () =>
    withServer(
      (stream) => {
        stream.respond({ ':status': 404, 'x-test': 'yes' });
        stream.write('one,');
        setTimeout(() => stream.end('two'), 5);
      },
      {},
      async (origin) => {
        const p = pool(origin);
        try {
          const response = await p.request(POST('/x'), Buffer.from('hello'));
          assert.equal(response.status, 404);
          assert.equal(response.headers['x-test'], 'yes');
          assert.equal(response.body.toString(), 'one,two');
        } finally {
          await p.close();
        }
      },
    ));

  test('requests beyond the peer limit queue in order; stats show it', () => {
    // The server holds every answer until released, so the test sees the queue standing still.
    const held: ServerHttp2Stream[] = [];
    let released = false;
    let arrived: () => void = () => {};
    const answer = (stream: ServerHttp2Stream) => stream.respond({ ':status': 200 }, { endStream: true });
    return withServer(
      (stream) => {
        if (released) answer(stream);
        else held.push(stream);
        if (held.length === 2) arrived();
      },
      { maxConcurrentStreams: 2 },
      async (origin) => {
        const p = pool(origin);
        try {
          const order: number[] = [];
          const twoArrived = new Promise<void>((resolve) => (arrived = resolve));
          const all = Array.from({ length: 6 }, (_, i) => p.request(POST(`/${i}`)).then(() => order.push(i)));
          await twoArrived;
          assert.deepEqual(p.stats(), { sessions: 1, inFlight: 2, queued: 4, maxConcurrentStreams: 2 });
          released = true;
          held.forEach(answer);
          await Promise.all(all);
          assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
          assert.deepEqual(p.stats(), { sessions: 1, inFlight: 0, queued: 0, maxConcurrentStreams: 2 });
        } finally {
          await p.close();
        }
      },
    );
  });

  test('REFUSED_STREAM is re-sent transparently; any other reset is a failure', () => {
    const seen = new Map<string, number>();
    return withServer(
      (stream, headers) => {
        const path = String(headers[':path']);
        const n = (seen.get(path) ?? 0) + 1;
        seen.set(path, n);
        if (path === '/refused-once' && n === 1) stream.close(constants.NGHTTP2_REFUSED_STREAM);
        else if (path === '/broken') stream.close(constants.NGHTTP2_INTERNAL_ERROR);
        else stream.respond({ ':status': 200 }, { endStream: true });
      },
      {},
      async (origin) => {
        const p = pool(origin);
        try {
          assert.equal((await p.request(POST('/refused-once'))).status, 200);
          assert.equal(seen.get('/refused-once'), 2);
          assert.equal(await failureKind(p.request(POST('/broken'))), 'reset');
          assert.equal(seen.get('/broken'), 1, 'a stream the peer may have acted on is not re-sent');
        } finally {
          await p.close();
        }
      },
    );
  });

  test('a peer that refuses streams beyond what it can take (no SETTINGS change) still gets every request through', () => {
    let open = 0;
    let refusedCount = 0;
    return withServer(
      (stream) => {
        if (open >= 3) {
          refusedCount++;
          stream.close(constants.NGHTTP2_REFUSED_STREAM);
          return;
        }
        open++;
        stream.on('close', () => open--);
        setTimeout(() => stream.respond({ ':status': 200 }, { endStream: true }), 10);
      },
      { maxConcurrentStreams: 100 },
      async (origin) => {
        const p = pool(origin);
        try {
          const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => p.request(POST(`/${i}`))));
          assert.ok(responses.every((r) => r.status === 200));
          assert.ok(refusedCount > 0, 'the peer did refuse');
          assert.ok(refusedCount < 100, `refused ${refusedCount} times: the pool backs off instead of bouncing`);
        } finally {
          await p.close();
        }
      },
    );
  });

  test('streams spread over the configured number of connections', () => {
    const perSession = new Map<number, number>();
    return withServer(
      (stream, _headers, session) => {
        perSession.set(session, (perSession.get(session) ?? 0) + 1);
        setTimeout(() => stream.respond({ ':status': 200 }, { endStream: true }), 10);
      },
      { maxConcurrentStreams: 10 },
      async (origin, info) => {
        const p = pool(origin, { connections: 3 });
        try {
          await p.request(POST('/warm'));
          await eventually('the condition', () => p.stats().sessions === 3);
          await Promise.all(Array.from({ length: 30 }, (_, i) => p.request(POST(`/${i}`))));
          assert.equal(info.sessions(), 3);
          assert.equal(p.stats().sessions, 3);
          for (const [session, count] of perSession) assert.ok(count >= 5, `session ${session} carried ${count}`);
        } finally {
          await p.close();
        }
      },
    );
  });

  // The test timeouts turn a wait that never ends into a failure; how long each takes is not asserted.
  test('timeout, then close: in-flight and queued requests reject with their kinds', { timeout: 60_000 }, () =>
    withServer(
      () => {
        /* never answers */
      },
      { maxConcurrentStreams: 1 },
      async (origin) => {
        const p = pool(origin, { requestTimeoutMs: 400 });
        try {
          assert.equal(await failureKind(p.request(POST('/slow'))), 'timeout');
          const inFlight = failureKind(p.request(POST('/a')));
          const queued = failureKind(p.request(POST('/b')));
          // /slow's cancelled stream frees its slot for /a once it has closed; /b waits behind.
          await eventually('the condition', () => p.stats().inFlight === 1 && p.stats().queued === 1);
          await Promise.all([p.close(), p.close()]);
          assert.equal(await inFlight, 'closed');
          assert.equal(await queued, 'closed');
          assert.equal(await failureKind(p.request(POST('/c'))), 'closed');
        } finally {
          await p.close();
        }
      },
    ));

  test('an idle session is kept alive with PINGs', async () => {
    const cert = testCertificate();
    const server = createSecureServer({ cert: cert.cert, key: cert.key });
    let pings = 0;
    server.on('session', (session) => session.on('ping', () => pings++));
    server.on('stream', (stream) => stream.respond({ ':status': 200 }, { endStream: true }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const p = pool(`https://127.0.0.1:${(server.address() as AddressInfo).port}`, { keepaliveIntervalMs: 30 });
    try {
      await p.request(POST('/'));
      await eventually('the condition', () => pings >= 2);
      assert.equal(p.stats().sessions, 1, 'answered PINGs keep the session');
    } finally {
      await p.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('nothing listening: requests fail as connect after the bounded wait', { timeout: 60_000 }, async () => {
    const p = pool('https://127.0.0.1:1', { requestTimeoutMs: 300 });
    try {
      const started = Date.now();
      assert.equal(await failureKind(p.request(POST('/x'))), 'connect');
      // A lower bound only: the pool keeps trying for the request's time rather than failing at the first refusal.
      const waited = Date.now() - started;
      assert.ok(waited >= 280, `waited ${waited} ms`);
    } finally {
      await p.close();
    }
  });

  test('an idle pool does not keep the process alive', () =>
    withServer(
      (stream) => stream.respond({ ':status': 204 }, { endStream: true }),
      {},
      async (origin) => {
        const module = fileURLToPath(new URL('../../src/adapters/providers/http2/session-pool.js', import.meta.url));
        const script = `
          const { Http2SessionPool } = await import(${JSON.stringify(module)});
          const pool = new Http2SessionPool({ origin: process.env.ORIGIN, name: 'child', tls: { ca: process.env.CA } });
          const r = await pool.request({ ':method': 'GET', ':path': '/' });
          console.log(r.status);`;
        // A session that held the process would keep it running until the kill, which then fails the test.
        const stdout = await new Promise<string>((resolve, reject) => {
          execFile(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ORIGIN: origin, CA: testCertificate().cert }, timeout: 60_000 }, (err, out) =>
            err ? reject(err) : resolve(out),
          );
        });
        assert.equal(stdout.trim(), '204', 'the child exited with its session still open');
      },
    ));
});

