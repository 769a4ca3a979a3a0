import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSecureServer, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Http2RequestError, Http2SessionPool } from '../../src/adapters/providers/http2/session-pool.js';
import { testCertificate } from '../mocks/tls.js';
import { freePort } from '../helpers/ports.js';
import { eventually } from '../helpers/wait.js';

// Issue 11, item 12: a request waiting for a connection must not go out once its send is stopped.

async function rejection(promise: Promise<unknown>): Promise<Http2RequestError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof Http2RequestError);
    return err;
  }
  throw new Error('expected a rejection');
}

describe('Http2SessionPool and abort signals', () => {
  test('a request waiting for a connection fails at once as aborted when its signal aborts; one aborted before is never queued', async () => {
    const port = await freePort();
    const pool = new Http2SessionPool({ origin: `https://127.0.0.1:${port}`, name: 'test', tls: { ca: testCertificate().cert }, requestTimeoutMs: 60_000 });
    try {
      const controller = new AbortController();
      const waiting = [pool.request({ ':method': 'POST', ':path': '/a' }, 'x', controller.signal), pool.request({ ':method': 'POST', ':path': '/b' }, 'y', controller.signal)];
      const other = rejection(pool.request({ ':method': 'POST', ':path': '/c' }, 'z'));
      controller.abort('cancelled');
      for (const w of waiting) assert.equal((await rejection(w)).kind, 'aborted');
      assert.equal((await rejection(pool.request({ ':method': 'GET', ':path': '/d' }, undefined, controller.signal))).kind, 'aborted');
      assert.equal(pool.stats().inFlight, 0);
      await pool.close();
      assert.equal((await other).kind, 'closed', 'requests without the signal keep waiting until closed');
    } finally {
      await pool.close();
    }
  });

  test('a request already at the peer runs to its answer; the signal only stops what has not gone out', async () => {
    const cert = testCertificate();
    const paths: string[] = [];
    let answer: (() => void) | undefined;
    const server = createSecureServer({ cert: cert.cert, key: cert.key }, () => {});
    server.on('stream', (stream: ServerHttp2Stream, headers) => {
      paths.push(String(headers[':path']));
      answer = () => {
        stream.respond({ ':status': 200 });
        stream.end('done');
      };
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const pool = new Http2SessionPool({ origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, name: 'test', tls: { ca: cert.cert }, initialMaxConcurrentStreams: 1, maxStreamsPerSession: 1 });
    try {
      const controller = new AbortController();
      const first = pool.request({ ':method': 'POST', ':path': '/first' }, 'x', controller.signal);
      // One stream per session: the second waits behind the first.
      const second = pool.request({ ':method': 'POST', ':path': '/second' }, 'y', controller.signal);
      await eventually('the first request to reach the peer', () => paths.length > 0);
      controller.abort('cancelled');
      assert.equal((await rejection(second)).kind, 'aborted');
      answer!();
      const response = await first;
      assert.equal(response.status, 200);
      assert.equal(response.body.toString(), 'done');
      assert.deepEqual(paths, ['/first'], 'the aborted request never reached the peer');
    } finally {
      await pool.close();
      server.close();
    }
  });
});
