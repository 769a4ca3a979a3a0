import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { createGuardedFetch, createGuardedLookup, type AddressResolver } from '../../src/adapters/net/guarded-fetch.js';
import { OutboundRequestError, type OutboundFailureReason } from '../../src/adapters/net/outbound-error.js';

interface LocalServer {
  port: number;
  requests: IncomingMessage[];
  connections: () => number;
  close: () => Promise<void>;
}

async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LocalServer> {
  const requests: IncomingMessage[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        // Slow handlers would otherwise keep close() waiting on their open sockets.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function withServer(handler: (req: IncomingMessage, res: ServerResponse) => void, body: (s: LocalServer) => Promise<void>) {
  const server = await startServer(handler);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

function hello(_req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('x-test', 'yes');
  res.end('hello');
}

async function assertFails(promise: Promise<unknown>, reason: OutboundFailureReason, ...messageParts: string[]): Promise<OutboundRequestError> {
  const err = await promise.then(
    () => assert.fail(`expected ${reason}, got a response`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof OutboundRequestError, `expected OutboundRequestError, got ${String(err)}`);
  assert.equal(err.reason, reason, err.message);
  for (const part of messageParts) assert.ok(err.message.includes(part), `"${err.message}" should mention ${part}`);
  return err;
}

describe('guarded fetch: forbidden targets', () => {
  test('loopback IP literal without an allow list is refused before connecting', () =>
    withServer(hello, async (s) => {
      const fetch = createGuardedFetch({ allowHttp: true });
      const err = await assertFails(fetch(`http://127.0.0.1:${s.port}/`), 'forbidden_address', '127.0.0.1', 'loopback');
      assert.equal(err.address, '127.0.0.1');
      assert.equal(s.connections(), 0);
    }));

  test('localhost resolves to loopback and is refused', () =>
    withServer(hello, async (s) => {
      const fetch = createGuardedFetch({ allowHttp: true });
      const err = await assertFails(fetch(`http://localhost:${s.port}/`), 'forbidden_address', 'localhost', 'loopback');
      assert.equal(err.host, 'localhost');
      assert.ok(err.address === '127.0.0.1' || err.address === '::1', String(err.address));
      assert.equal(s.connections(), 0);
    }));

  test('https to forbidden IP literals is refused before any connection', () =>
    withServer(hello, async (s) => {
      const fetch = createGuardedFetch();
      for (const url of [
        `https://127.0.0.1:${s.port}/`,
        `https://[::1]:${s.port}/`,
        `https://[::ffff:127.0.0.1]:${s.port}/`,
        `https://0x7f.1:${s.port}/`,
        'https://169.254.169.254/latest/meta-data/',
        'https://10.0.0.1/',
      ]) {
        await assertFails(fetch(url), 'forbidden_address');
      }
      assert.equal(s.connections(), 0);
    }));
});

describe('guarded fetch: allow list', () => {
  for (const entry of ['127.0.0.1', '127.0.0.0/8']) {
    test(`allowedHosts ['${entry}'] reaches the local server`, () =>
      withServer(hello, async (s) => {
        const fetch = createGuardedFetch({ allowHttp: true, allowedHosts: [entry] });
        const res = await fetch(`http://127.0.0.1:${s.port}/path?q=1`);
        assert.equal(res.status, 200);
        assert.equal(res.body.toString(), 'hello');
        assert.equal(res.headers['x-test'], 'yes');
        assert.equal(s.requests[0]!.url, '/path?q=1');
        assert.equal(s.requests[0]!.headers['user-agent'], 'Herald');
      }));
  }

  test('an allow-listed host name is reached through DNS', () =>
    withServer(hello, async (s) => {
      const fetch = createGuardedFetch({ allowHttp: true, allowedHosts: ['LOCALHOST'] });
      const res = await fetch(`http://localhost:${s.port}/`);
      assert.equal(res.status, 200);
    }));

  test('method, headers and body are sent; the caller may set User-Agent', () =>
    withServer(
      (req, res) => {
        let text = '';
        req.on('data', (c: Buffer) => (text += c.toString()));
        req.on('end', () => res.end(`${req.method} ${req.headers['content-type']} ${req.headers['user-agent']} ${text}`));
      },
      async (s) => {
        const fetch = createGuardedFetch({ allowHttp: true, allowedHosts: ['127.0.0.1'], userAgent: 'ignored' });
        const res = await fetch(`http://127.0.0.1:${s.port}/hook`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'User-Agent': 'custom/1' },
          body: '{"a":1}',
        });
        assert.equal(res.body.toString(), 'POST application/json custom/1 {"a":1}');
      },
    ));
});

describe('guarded fetch: protocol rules', () => {
  test('http without allowHttp is refused with reason scheme', async () => {
    const fetch = createGuardedFetch({ allowedHosts: ['127.0.0.1'] });
    await assertFails(fetch('http://127.0.0.1:1/'), 'scheme', 'http:', '127.0.0.1');
    await assertFails(fetch('ftp://example.com/file'), 'scheme', 'ftp:');
    await assertFails(fetch('not a url'), 'scheme');
  });

  test('a 302 is returned as-is and its Location is not followed', () =>
    withServer(
      (req, res) => {
        if (req.url === '/start') res.writeHead(302, { location: '/next' }).end();
        else res.end('followed');
      },
      async (s) => {
        const fetch = createGuardedFetch({ allowHttp: true, allowedHosts: ['127.0.0.1'] });
        const res = await fetch(`http://127.0.0.1:${s.port}/start`);
        assert.equal(res.status, 302);
        assert.equal(res.headers.location, '/next');
        // A later request of ours reaches the server after anything the redirect could have set off.
        assert.equal((await fetch(`http://127.0.0.1:${s.port}/marker`)).status, 200);
        assert.deepEqual(s.requests.map((r) => r.url), ['/start', '/marker']);
      },
    ));

  test('a server slower than timeoutMs fails with reason timeout', () =>
    withServer(
      (_req, res) => void setTimeout(() => res.end('late'), 5000).unref(),
      async (s) => {
        const fetch = createGuardedFetch({ allowHttp: true, allowedHosts: ['127.0.0.1'], timeoutMs: 150 });
        // The server would answer 'late' after 5 s: failing with reason timeout shows the fetch gave up first.
        await assertFails(fetch(`http://127.0.0.1:${s.port}/`), 'timeout', '127.0.0.1', '150 ms');
      },
    ));

  test('a body trickled slower than the timeout also times out', () =>
    withServer(
      (_req, res) => {
        res.write('a');
        const tick = setInterval(() => res.write('a'), 50);
        res.on('close', () => clearInterval(tick));
      },
      async (s) => {
        const fetch = createGuardedFetch({ allowHttp: true, allowedHosts: ['127.0.0.1'], timeoutMs: 300 });
        await assertFails(fetch(`http://127.0.0.1:${s.port}/`), 'timeout');
      },
    ));

  test('a body over maxResponseBytes fails with reason too_large (declared or streamed)', () =>
    withServer(
      (req, res) => {
        const big = Buffer.alloc(64 * 1024, 'x');
        if (req.url === '/declared') res.setHeader('content-length', big.length);
        res.end(big);
      },
      async (s) => {
        const fetch = createGuardedFetch({ allowHttp: true, allowedHosts: ['127.0.0.1'], maxResponseBytes: 1024 });
        await assertFails(fetch(`http://127.0.0.1:${s.port}/declared`), 'too_large', '1024');
        await assertFails(fetch(`http://127.0.0.1:${s.port}/chunked`), 'too_large', '1024');
      },
    ));

  test('a body of exactly maxResponseBytes is accepted', () =>
    withServer(
      (_req, res) => res.end(Buffer.alloc(1024, 'y')),
      async (s) => {
        const fetch = createGuardedFetch({ allowHttp: true, allowedHosts: ['127.0.0.1'], maxResponseBytes: 1024 });
        assert.equal((await fetch(`http://127.0.0.1:${s.port}/`)).body.length, 1024);
      },
    ));

  test('a host name that does not resolve fails with reason dns', async () => {
    const fetch = createGuardedFetch({ timeoutMs: 5000 });
    const err = await assertFails(fetch('https://nonexistent.invalid/'), 'dns', 'nonexistent.invalid');
    assert.ok(err.cause, 'the resolver error is kept as cause');
  });

  test('a refused connection fails with reason network and keeps its cause', async () => {
    const s = await startServer(hello);
    const port = s.port;
    await s.close();
    const fetch = createGuardedFetch({ allowHttp: true, allowedHosts: ['127.0.0.1'] });
    const err = await assertFails(fetch(`http://127.0.0.1:${port}/`), 'network', '127.0.0.1');
    assert.equal((err.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
  });
});

describe('guarded lookup', () => {
  const answering =
    (addresses: LookupAddress[]): AddressResolver =>
    (_host, _options, callback) =>
      callback(null, addresses);
  const run = (lookup: ReturnType<typeof createGuardedLookup>, all: boolean) =>
    new Promise<{ err: Error | null; address: unknown; family: unknown }>((resolve) =>
      lookup('hooks.example', { all }, (err, address, family) => resolve({ err, address, family })),
    );

  test('refuses a host when any of its addresses is forbidden, not only the first', async () => {
    const lookup = createGuardedLookup({ resolve: answering([{ address: '1.1.1.1', family: 4 }, { address: '10.0.0.7', family: 4 }]) });
    const { err } = await run(lookup, true);
    assert.ok(err instanceof OutboundRequestError);
    assert.equal(err.reason, 'forbidden_address');
    assert.equal(err.address, '10.0.0.7');
    assert.match(err.message, /hooks\.example.*10\.0\.0\.7.*private/);
  });

  test('checks every answer, so a rebinding resolver is caught on the connect that uses it', async () => {
    const answers = [[{ address: '1.1.1.1', family: 4 }], [{ address: '169.254.169.254', family: 4 }]];
    const lookup = createGuardedLookup({ resolve: (_h, _o, cb) => cb(null, answers.shift()!) });
    assert.equal((await run(lookup, true)).err, null);
    const second = await run(lookup, true);
    assert.ok(second.err instanceof OutboundRequestError && second.err.reason === 'forbidden_address');
  });

  test('answers in the shape the caller asked for', async () => {
    const addresses = [{ address: '2606:4700::1111', family: 6 }, { address: '1.1.1.1', family: 4 }];
    const lookup = createGuardedLookup({ resolve: answering(addresses) });
    assert.deepEqual(await run(lookup, true), { err: null, address: addresses, family: undefined });
    assert.deepEqual(await run(lookup, false), { err: null, address: '2606:4700::1111', family: 6 });
  });

  test('allow-listed addresses pass while others from the same answer are still judged', async () => {
    const mixed = answering([{ address: '10.0.0.7', family: 4 }, { address: '192.168.1.1', family: 4 }]);
    assert.equal((await run(createGuardedLookup({ resolve: mixed, allowedHosts: ['10.0.0.0/8', '192.168.1.1'] }), true)).err, null);
    const partly = await run(createGuardedLookup({ resolve: mixed, allowedHosts: ['10.0.0.0/8'] }), true);
    assert.equal((partly.err as OutboundRequestError).address, '192.168.1.1');
  });

  test('an empty answer is a dns failure', async () => {
    const { err } = await run(createGuardedLookup({ resolve: answering([]) }), true);
    assert.ok(err instanceof OutboundRequestError && err.reason === 'dns');
  });
});
