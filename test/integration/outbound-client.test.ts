import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createOutboundClient, guardConnector } from '../../src/adapters/net/outbound-client.js';
import { OutboundRequestError } from '../../src/adapters/net/outbound-error.js';
import type { AddressResolver } from '../../src/adapters/net/ssrf-guard.js';

interface LocalServer {
  port: number;
  paths: string[];
  connections: () => number;
  close: () => Promise<void>;
}

async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LocalServer> {
  const paths: string[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    handler(req, res);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    paths,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** DNS standing in for a public name that points at loopback, the classic way round a URL check. */
const pointsAtLoopback: AddressResolver = (hostname, _options, callback) =>
  hostname === 'hooks.example' ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }), []);

async function rejection(promise: Promise<unknown>): Promise<OutboundRequestError> {
  const err = await promise.then(
    () => assert.fail('expected a refusal, got a response'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof OutboundRequestError, String(err));
  return err;
}

describe('outbound client: the SSRF guard on user destinations', () => {
  test('a host name resolving to 127.0.0.1 is refused before any connection; allow-listed, the same name gets through', async () => {
    const s = await startServer((_req, res) => res.end('reached'));
    try {
      const guarded = createOutboundClient({ destinations: 'user', allowHttp: true, resolve: pointsAtLoopback });
      const err = await rejection(guarded.request(`http://hooks.example:${s.port}/hook`, { method: 'POST', body: '{}' }));
      assert.equal(err.reason, 'forbidden_address');
      assert.equal(err.host, 'hooks.example');
      assert.equal(err.address, '127.0.0.1');
      assert.match(err.message, /hooks\.example: it resolves to 127\.0\.0\.1/);
      assert.equal(s.connections(), 0);
      await guarded.close();

      // The same resolver with the name allowed: the refusal above came from the guard, not from DNS.
      const allowed = createOutboundClient({ destinations: 'user', allowHttp: true, allowedHosts: ['hooks.example'], resolve: pointsAtLoopback });
      const res = await allowed.request(`http://hooks.example:${s.port}/hook`);
      assert.equal(res.body.toString(), 'reached');
      await allowed.close();
    } finally {
      await s.close();
    }
  });

  test('a redirect to a metadata address comes back as the 3xx and is not followed', async () => {
    const s = await startServer((req, res) => {
      if (req.url === '/start') res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      else res.end('other');
    });
    try {
      const client = createOutboundClient({ destinations: 'user', allowHttp: true, allowedHosts: ['127.0.0.1'] });
      const res = await client.request(`http://127.0.0.1:${s.port}/start`);
      assert.equal(res.status, 302);
      assert.equal(res.headers.location, 'http://169.254.169.254/latest/meta-data/');
      // Following it ourselves is refused like any other forbidden target.
      assert.equal((await rejection(client.request(res.headers.location!))).reason, 'forbidden_address');
      assert.deepEqual(s.paths, ['/start']);
      await client.close();
    } finally {
      await s.close();
    }
  });

  test('operator destinations are reached as configured; the same URL as a user destination is not', async () => {
    const s = await startServer((_req, res) => res.end('gateway'));
    try {
      const operator = createOutboundClient({ destinations: 'operator', allowHttp: true });
      assert.equal((await operator.request(`http://127.0.0.1:${s.port}/`)).body.toString(), 'gateway');
      await operator.close();
      const user = createOutboundClient({ destinations: 'user', allowHttp: true });
      assert.equal((await rejection(user.request(`http://127.0.0.1:${s.port}/`))).reason, 'forbidden_address');
      await user.close();
    } finally {
      await s.close();
    }
  });

  test('connections are reused per origin, and a closed client refuses new requests', async () => {
    const s = await startServer((_req, res) => res.end('ok'));
    try {
      const client = createOutboundClient({ destinations: 'user', allowHttp: true, allowedHosts: ['127.0.0.1'] });
      for (let i = 0; i < 3; i++) assert.equal((await client.request(`http://127.0.0.1:${s.port}/`, { method: 'POST', body: 'x' })).status, 200);
      assert.equal(s.connections(), 1);
      await client.close();
      assert.equal((await rejection(client.request(`http://127.0.0.1:${s.port}/`))).reason, 'network');
    } finally {
      await s.close();
    }
  });
});

describe('guardConnector', () => {
  /** A connector that "connects" without a network, to a socket reporting the given peer. */
  const connectingTo = (remoteAddress: string, calls: string[]) => {
    const socket = { remoteAddress, destroyed: false, destroy() { this.destroyed = true; } };
    const connect = (options: { hostname: string }, callback: (...args: [null, Socket] | [Error, null]) => void) => {
      calls.push(options.hostname);
      callback(null, socket as unknown as Socket);
    };
    return { socket, connect };
  };
  const run = (connector: ReturnType<typeof guardConnector>, hostname: string) =>
    new Promise<{ err: Error | null; socket: unknown }>((resolve) =>
      connector({ hostname, protocol: 'https:', port: '443' }, (err, socket) => resolve({ err, socket })),
    );

  test('judges the address the socket actually reached, whatever DNS said', async () => {
    const calls: string[] = [];
    const { socket, connect } = connectingTo('10.1.2.3', calls);
    const { err } = await run(guardConnector(connect, []), 'push.example');
    assert.ok(err instanceof OutboundRequestError);
    assert.equal(err.reason, 'forbidden_address');
    assert.equal(err.address, '10.1.2.3');
    assert.equal(socket.destroyed, true, 'the socket to the private peer is closed');

    const publicPeer = connectingTo('93.184.216.34', calls);
    const ok = await run(guardConnector(publicPeer.connect, []), 'push.example');
    assert.equal(ok.err, null);
    assert.equal(ok.socket, publicPeer.socket);
    assert.equal(publicPeer.socket.destroyed, false);
  });

  test('refuses a forbidden IP literal without connecting, and lets allow-listed peers through', async () => {
    const calls: string[] = [];
    const { connect } = connectingTo('::1', calls);
    const { err } = await run(guardConnector(connect, []), '[::1]');
    assert.ok(err instanceof OutboundRequestError && err.reason === 'forbidden_address');
    assert.deepEqual(calls, []);
    const allowed = await run(guardConnector(connect, ['::1']), '[::1]');
    assert.equal(allowed.err, null);
    assert.deepEqual(calls, ['[::1]']);
  });
});
