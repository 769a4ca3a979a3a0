/**
 * Subscriber client process, driven over IPC by bench/lib/clients.ts. It holds thousands of
 * SSE and WebSocket subscriptions to one topic and records, per receipt, receive time − publish
 * time. The publisher writes `t=<epoch ms, µs precision> i=<index>` into the message body; all
 * processes share one machine clock, and timeOrigin + now() gives sub-millisecond resolution
 * where Date.now() would round to whole milliseconds.
 *
 * The client is the load side and shares the cores with the server, so it does as little as it
 * can per receipt: each subscription is a raw TCP socket that sends the same request node:http or
 * `ws` would (a plain GET, or a WebSocket upgrade without extensions), and the bytes that come
 * back are searched for the receipt marker (lib/receipts.ts) without an HTTP parser, UTF-8
 * decoding or JSON.parse. WebSocket frames are cut only far enough to answer the server's pings.
 *
 *   node dist/bench/clients/subscriber.js BASE_URL TOPIC MESSAGES
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ClientCommand, ClientReport } from '../lib/protocol.js';
import { WsFrameReader, pongFrame, scanReceipts } from '../lib/receipts.js';

const [baseUrl, topic, messagesArg] = process.argv.slice(2) as [string, string, string];
const messages = Number(messagesArg);
const OPEN_CONCURRENCY = 64;
const OPEN_TIMEOUT_MS = 30_000;
const OPEN_ATTEMPTS = 3;
const HEADER_END = Buffer.from('\r\n\r\n');
/** Every socket of this process reads into this one buffer (reads are handled one at a time). */
const READ_BUFFER = Buffer.alloc(64 * 1024);

const target = new URL(baseUrl);
const host = target.hostname;
const port = Number(target.port || 80);
const hostHeader = `Host: ${target.host}\r\n`;
const SSE_REQUEST = Buffer.from(`GET /${topic}/sse HTTP/1.1\r\n${hostHeader}Connection: close\r\n\r\n`);
const wsRequest = () => Buffer.from(`GET /${topic}/ws HTTP/1.1\r\n${hostHeader}Connection: Upgrade\r\nUpgrade: websocket\r\n` +
  `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`);

const now = () => performance.timeOrigin + performance.now();

/** Per transport, so a slow path shows up even when the other one hides it in the totals. */
const samples = { sse: { data: new Float64Array(1 << 16), n: 0 }, ws: { data: new Float64Array(1 << 16), n: 0 } };
let alive = 0;
let dropped = 0;
let closing = false;
const perIndex = new Uint32Array(messages);
const reported = new Uint8Array(messages);
const handles: Socket[] = [];

function send(report: ClientReport): void {
  process.send?.(report);
}

/** One receipt: `at` is when its chunk arrived (taken before any parsing). */
function record(kind: 'sse' | 'ws', at: number, publishedAt: number, i: number): void {
  const s = samples[kind];
  if (s.n === s.data.length) {
    const bigger = new Float64Array(s.data.length * 2);
    bigger.set(s.data);
    s.data = bigger;
  }
  s.data[s.n++] = at - publishedAt;
  if (i < messages && ++perIndex[i]! >= alive) reportDone(i);
}

/** Tells the parent every live subscription here has message i, so it can pace the next one. */
function reportDone(i: number): void {
  if (reported[i]) return;
  reported[i] = 1;
  send({ type: 'got', index: i });
}

function onDrop(): void {
  if (closing) return;
  alive--;
  dropped++;
  for (let i = 0; i < messages; i++) if (perIndex[i]! > 0 && perIndex[i]! >= alive) reportDone(i);
}

/** One subscription; resolves once its first event (the server's `open`) has arrived. */
function openOne(kind: 'sse' | 'ws'): Promise<void> {
  return new Promise((resolve, reject) => {
    let ready = false;
    let gone = false;
    const becomeReady = () => {
      if (ready) return;
      ready = true;
      alive++;
      clearTimeout(timer);
      resolve();
    };
    const fail = (err: Error) => {
      if (ready) {
        if (!gone) onDrop();
        gone = true;
        return;
      }
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    // `onread` hands each read to us in one shared buffer: no Readable stream, no Buffer per read.
    const socket = connect({ host, port, noDelay: true, onread: { buffer: READ_BUFFER, callback: (n) => {
      onRead(READ_BUFFER.subarray(0, n));
      return true;
    } } });
    const timer = setTimeout(() => fail(new Error('open timed out')), OPEN_TIMEOUT_MS);
    // Set per chunk before the bytes are read, so the receipts of one chunk share its arrival time.
    let at = 0;
    const onReceipt = (publishedAt: number, i: number) => record(kind, at, publishedAt, i);
    let body: (chunk: Buffer) => void;
    if (kind === 'ws') {
      const frames = new WsFrameReader({
        onPing: (payload) => socket.write(pongFrame(payload)),
        onClose: () => socket.destroy(),
        onFirstData: becomeReady,
      }, onReceipt);
      body = (chunk) => frames.push(chunk);
    } else {
      let tail: Buffer | undefined;
      body = (chunk) => {
        becomeReady();
        const buf = tail ? Buffer.concat([tail, chunk]) : chunk;
        const keep = scanReceipts(buf, 0, buf.length, onReceipt);
        tail = keep < buf.length ? Buffer.from(buf.subarray(keep)) : undefined;
      };
    }
    // The response head, until its blank line; then every chunk goes to `body`. A chunk lives in
    // READ_BUFFER only until we return, so whatever must wait for more bytes is copied.
    let head: Buffer | undefined = Buffer.alloc(0);
    function onRead(chunk: Buffer): void {
      at = now();
      if (!head) return body(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf(HEADER_END);
      if (end < 0) {
        if (head.length > 16_384) fail(new Error('response head too long'));
        return;
      }
      const status = head.toString('latin1', 0, head.indexOf('\r\n'));
      const want = kind === 'ws' ? ' 101 ' : ' 200 ';
      if (!status.includes(want)) return fail(new Error(status.split(' ').slice(1).join(' ') || 'bad response'));
      const rest = head.subarray(end + HEADER_END.length);
      head = undefined;
      if (rest.length) body(rest);
    }
    socket.on('error', (err) => fail(err));
    socket.on('close', () => fail(new Error('closed')));
    socket.write(kind === 'ws' ? wsRequest() : SSE_REQUEST);
    handles.push(socket);
  });
}

/** Opens `count` subscriptions, at most OPEN_CONCURRENCY handshakes in flight (the listen backlog is finite). */
async function openMany(kind: 'sse' | 'ws', count: number): Promise<ClientReport> {
  let next = 0;
  let ok = 0;
  let failed = 0;
  let lastError = '';
  const worker = async () => {
    while (next < count) {
      next++;
      for (let attempt = 1; attempt <= OPEN_ATTEMPTS; attempt++) {
        try {
          await openOne(kind);
          ok++;
          break;
        } catch (err) {
          lastError = (err as Error).message;
          if (attempt === OPEN_ATTEMPTS) failed++;
          else await new Promise((r) => setTimeout(r, 100 * attempt));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, count) }, worker));
  return { type: 'opened', kind, ok, failed, lastError };
}

process.on('message', (command: ClientCommand) => {
  if (command.cmd === 'open') {
    openMany(command.kind, command.count).then(send, (err: Error) => send({ type: 'opened', kind: command.kind, ok: 0, failed: command.count, lastError: err.message }));
  } else if (command.cmd === 'collect') {
    send({ type: 'latencies', sse: samples.sse.data.slice(0, samples.sse.n), ws: samples.ws.data.slice(0, samples.ws.n), alive, dropped });
  } else if (command.cmd === 'exit') {
    closing = true;
    process.exit(0);
  }
});
// An orphan holding thousands of sockets would skew the next run.
process.on('disconnect', () => process.exit(0));
send({ type: 'started' });
