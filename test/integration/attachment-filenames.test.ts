import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import Fastify from 'fastify';
import { HeraldError } from '../../src/errors/index.js';
import { registerErrorHandler } from '../../src/http/plugins/error-handler.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ 'base-url': 'http://files.test' });
});
after(() => server.close());

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * A keep-alive HTTP/1.1 client on one raw socket: it reads each response by its Content-Length
 * exactly, so a length that does not match the body shows up as a hang or as garbage in front
 * of the next response.
 */
class KeepAliveClient {
  readonly #socket: Socket;
  #buffer = Buffer.alloc(0);
  #wake: (() => void) | undefined;
  #closed = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
  }

  static async open(url: string): Promise<KeepAliveClient> {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new KeepAliveClient(socket);
  }

  async request(method: 'GET' | 'HEAD', path: string): Promise<RawResponse> {
    this.#socket.write(`${method} ${path} HTTP/1.1\r\nHost: files.test\r\nConnection: keep-alive\r\n\r\n`);
    for (;;) {
      const end = this.#buffer.indexOf('\r\n\r\n');
      if (end >= 0) {
        const head = this.#buffer.subarray(0, end).toString('latin1');
        assert.match(head, /^HTTP\/1\.1 \d{3} /, 'each response starts right where the previous one ended');
        const [statusLine = '', ...lines] = head.split('\r\n');
        const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        const length = method === 'HEAD' ? 0 : Number(headers['content-length']);
        assert.ok(Number.isInteger(length), `a Content-Length: ${head}`);
        if (this.#buffer.length >= end + 4 + length) {
          const body = this.#buffer.subarray(end + 4, end + 4 + length);
          this.#buffer = this.#buffer.subarray(end + 4 + length);
          return { status: Number(statusLine.split(' ')[1]), headers, body };
        }
      }
      if (this.#closed) throw new Error(`connection closed before the whole response: ${this.#buffer.toString('latin1')}`);
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** The file name a client takes from Content-Disposition: `filename*` (RFC 8187) when present. */
function dispositionName(header: string): string {
  const extended = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (extended) return decodeURIComponent(extended[1]!);
  return /filename="([^"]*)"/.exec(header)![1]!;
}

type UploadWay = 'raw-utf8' | 'rfc2047' | 'query' | 'json';

async function upload(name: string, how: UploadWay): Promise<{ path: string; body: Buffer; shownName: string }> {
  const body = Buffer.from(`contents of ${name}\n`.repeat(300));
  const topic = randomTopic();
  let res: Response;
  if (how === 'raw-utf8') {
    // What `curl -H "Filename: 文件.txt"` sends: the UTF-8 bytes as they are. fetch() refuses
    // characters beyond Latin-1 in headers, so the bytes go over as their Latin-1 reading.
    res = await fetch(`${server.url}/${topic}`, { method: 'PUT', body, headers: { Filename: Buffer.from(name).toString('latin1') } });
  } else if (how === 'rfc2047') {
    const encoded = `=?UTF-8?B?${Buffer.from(name).toString('base64')}?=`;
    res = await fetch(`${server.url}/${topic}`, { method: 'PUT', body, headers: { Filename: encoded } });
  } else if (how === 'query') {
    res = await fetch(`${server.url}/${topic}?filename=${encodeURIComponent(name)}`, { method: 'PUT', body });
  } else {
    res = await fetch(`${server.url}/`, { method: 'POST', body: JSON.stringify({ topic, filename: name, message: body.toString('utf8').slice(0, 5000) }) });
  }
  assert.equal(res.status, 200, await res.clone().text());
  const message = (await res.json()) as { attachment: { url: string; name: string } };
  const stored = how === 'json' ? Buffer.from(body.toString('utf8').slice(0, 5000)) : body;
  return { path: new URL(message.attachment.url).pathname, body: stored, shownName: message.attachment.name };
}

describe('attachment file names outside Latin-1 or with control characters', () => {
  const cases: [string, UploadWay, string, string][] = [
    // name, how it is sent, the ASCII fallback, the name a UTF-8 client sees
    ['文件.txt', 'raw-utf8', '__.txt', '文件.txt'],
    ['Grüße café.txt', 'raw-utf8', 'Gr__e caf_.txt', 'Grüße café.txt'],
    ['文件.txt', 'rfc2047', '__.txt', '文件.txt'],
    ['отчёт.txt', 'query', '_____.txt', 'отчёт.txt'],
    ['отчёт 2024 (финал).pdf', 'json', '_____ 2024 (_____).pdf', 'отчёт 2024 (финал).pdf'],
    ['bell\u0007and\u0001nul\u0000line\nbreak.txt', 'json', 'bellandnullinebreak.txt', 'bellandnullinebreak.txt'],
    ['quote"back\\slash.txt', 'json', 'quote_back_slash.txt', 'quote"back\\slash.txt'],
    ['emoji 🎉.txt', 'query', 'emoji _.txt', 'emoji 🎉.txt'],
  ];

  for (const [name, how, ascii, shown] of cases) {
    test(`${JSON.stringify(name)} (${how}) downloads with GET and HEAD on one keep-alive connection`, async () => {
      const file = await upload(name, how);
      const client = await KeepAliveClient.open(server.url);
      try {
        const get = await client.request('GET', file.path);
        assert.equal(get.status, 200);
        assert.equal(Number(get.headers['content-length']), get.body.length);
        assert.deepEqual(get.body, file.body);
        const disposition = get.headers['content-disposition']!;
        assert.match(disposition, /^attachment; filename="[\x20-\x7e]*"/);
        assert.ok(disposition.includes(`filename="${ascii}"`), disposition);
        assert.equal(dispositionName(disposition), shown);

        const head = await client.request('HEAD', file.path);
        assert.equal(head.status, 200);
        assert.equal(Number(head.headers['content-length']), file.body.length);
        assert.equal(head.headers['content-disposition'], disposition, 'HEAD names the file as GET does');

        // The connection is still in step: a third request on it gets its own, whole answer.
        const again = await client.request('GET', file.path);
        assert.deepEqual(again.body, file.body);
      } finally {
        client.close();
      }
    });
  }

  test('an ASCII name keeps the plain header', async () => {
    const file = await upload('report-2024.csv', 'query');
    const res = await fetch(`${server.url}${file.path}`);
    assert.equal(res.headers.get('content-disposition'), 'attachment; filename="report-2024.csv"');
  });
});

test('an error raised after the headers went out cuts the connection instead of writing a second response', async () => {
  const app = Fastify();
  registerErrorHandler(app);
  app.get('/partial', async (_request, reply) => {
    reply.raw.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
    reply.raw.write('0123456789');
    throw new HeraldError('badRequest');
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const { port } = app.server.address() as { port: number };
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.write('GET /partial HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => socket.once('close', resolve));
    assert.equal(data.match(/HTTP\/1\.1 /g)?.length, 1, `one status line only: ${JSON.stringify(data)}`);
    assert.ok(data.endsWith('0123456789'), 'the promised body is cut short, nothing is appended');
  } finally {
    await app.close();
  }
});
