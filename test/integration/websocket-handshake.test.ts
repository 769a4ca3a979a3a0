import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/wait.js';

let server: TestServer;
before(async () => {
  // The bad handshakes below are more than the request bucket and the subscription limit allow,
  // which is the point: none of them may keep a slot.
  server = await startTestServer({ 'visitor-subscription-limit': '5', 'visitor-request-limit-burst': '200' });
});
after(() => server.close());

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends a handshake on a raw socket and reads the answer until the server closes. */
function rawUpgrade(path: string, headers: Record<string, string>): Promise<RawResponse> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      const lines = Object.entries({ Host: hostname, Upgrade: 'websocket', Connection: 'Upgrade', ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
      socket.write(`GET ${path} HTTP/1.1\r\n${lines.join('')}\r\n`);
    });
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const parsed = Object.fromEntries(headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers: parsed, body });
    });
  });
}

/** Opens a real WebSocket subscription; resolves with the socket once its open event arrived. */
function subscribe(topic: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/${topic}/ws`);
    ws.once('message', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/**
 * Opens n subscriptions at once. The server frees a slot when it sees the socket close, which may
 * come a moment after a client saw its own close, so this retries until all n fit.
 */
async function subscribeAll(n: number): Promise<WebSocket[]> {
  let open: WebSocket[] = [];
  await eventually(`${n} WebSocket subscriptions to open`, async () => {
    const tries = await Promise.allSettled(Array.from({ length: n }, () => subscribe(randomTopic())));
    open = tries.flatMap((t) => (t.status === 'fulfilled' ? [t.value] : []));
    if (open.length === n) return true;
    await closeAll(open);
    return false;
  });
  return open;
}

async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(sockets.map((ws) => new Promise((resolve) => {
    ws.once('close', resolve);
    ws.close();
  })));
}

const GOOD = { 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' };

describe('WebSocket handshakes', () => {
  test('25+ handshakes with a key that is not base64 are each refused with 40016, and leave every slot free', async () => {
    for (let i = 0; i < 30; i++) {
      const res = await rawUpgrade(`/${randomTopic()}/ws`, { ...GOOD, 'Sec-WebSocket-Key': 'notbase64' });
      assert.equal(res.status, 400);
      assert.equal(res.headers['content-length'], String(Buffer.byteLength(res.body)));
      assert.equal((JSON.parse(res.body) as { code: number }).code, 40016);
    }
    await closeAll(await subscribeAll(5));
  });

  test('a missing or unsupported version is refused the same way', async () => {
    for (const version of [undefined, '12', 'x']) {
      const headers: Record<string, string> = { 'Sec-WebSocket-Key': GOOD['Sec-WebSocket-Key'] };
      if (version !== undefined) headers['Sec-WebSocket-Version'] = version;
      const res = await rawUpgrade(`/${randomTopic()}/ws`, headers);
      assert.equal(res.status, 400, `version ${version}`);
      assert.equal((JSON.parse(res.body) as { code: number }).code, 40016);
    }
  });

  test('handshakes the WebSocket library itself refuses (a bad subprotocol list) give their slot back too', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await rawUpgrade(`/${randomTopic()}/ws`, { ...GOOD, 'Sec-WebSocket-Protocol': 'a b, ,' });
      assert.equal(res.status, 400);
      assert.equal((JSON.parse(res.body) as { code: number }).code, 40016);
    }
    await closeAll(await subscribeAll(5));
  });

  test('a client that hangs up right after its handshake leaves no slot behind', async () => {
    const { hostname, port } = new URL(server.url);
    for (let i = 0; i < 10; i++) {
      await new Promise<void>((resolve) => {
        const socket = connect(Number(port), hostname, () => {
          socket.end(`GET /${randomTopic()}/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${GOOD['Sec-WebSocket-Key']}\r\n\r\n`);
          socket.destroy();
        });
        socket.on('error', () => {});
        socket.on('close', () => resolve());
      });
    }
    await closeAll(await subscribeAll(5));
  });

  test('past the subscription limit an upgrade gets 429 42903 in the JSON shape; closing one frees it', async () => {
    const sockets = await subscribeAll(5);
    const refused = await rawUpgrade(`/${randomTopic()}/ws`, GOOD);
    assert.equal(refused.status, 429);
    assert.deepEqual(JSON.parse(refused.body), {
      code: 42903, http: 429, error: 'limit reached: too many active subscriptions', link: 'https://ntfy.sh/docs/publish/#limitations',
    });
    await closeAll(sockets.splice(0, 1));
    sockets.push(...(await subscribeAll(1)));
    await closeAll(sockets);
  });

  test('an upgrade to a path that is not a topic stream is 404 in the JSON shape', async () => {
    const res = await rawUpgrade('/v1/health', GOOD);
    assert.equal(res.status, 404);
    assert.equal((JSON.parse(res.body) as { code: number }).code, 40401);
  });
});
