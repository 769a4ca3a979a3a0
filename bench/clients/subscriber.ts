/**
 * Subscriber client process, driven over IPC by bench/lib/clients.ts. It holds thousands of
 * SSE (node:http) and WebSocket (`ws`) subscriptions to one topic and records, per receipt,
 * receive time − publish time. The publisher writes `t=<epoch ms, µs precision> i=<index>`
 * into the message body; all processes share one machine clock, and timeOrigin + now()
 * gives sub-millisecond resolution where Date.now() would round to whole milliseconds.
 *
 *   node dist/bench/clients/subscriber.js BASE_URL TOPIC MESSAGES
 */
import { Agent, get, type ClientRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { ClientCommand, ClientReport } from '../lib/protocol.js';

const [baseUrl, topic, messagesArg] = process.argv.slice(2) as [string, string, string];
const messages = Number(messagesArg);
const OPEN_CONCURRENCY = 64;
const OPEN_TIMEOUT_MS = 30_000;
const OPEN_ATTEMPTS = 3;
const BODY = /"message":"t=([\d.]+) i=(\d+)"/g;

// Keep-alive off and no socket cap: every subscription is its own TCP connection.
const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
const now = () => performance.timeOrigin + performance.now();

/** Per transport, so a slow path shows up even when the other one hides it in the totals. */
const samples = { sse: { data: new Float64Array(1 << 16), n: 0 }, ws: { data: new Float64Array(1 << 16), n: 0 } };
let alive = 0;
let dropped = 0;
let closing = false;
const perIndex = new Uint32Array(messages);
const reported = new Uint8Array(messages);
const handles: Array<ClientRequest | WebSocket> = [];

function send(report: ClientReport): void {
  process.send?.(report);
}

function record(kind: 'sse' | 'ws', text: string, at: number): void {
  const s = samples[kind];
  BODY.lastIndex = 0;
  for (let m = BODY.exec(text); m; m = BODY.exec(text)) {
    if (s.n === s.data.length) {
      const bigger = new Float64Array(s.data.length * 2);
      bigger.set(s.data);
      s.data = bigger;
    }
    s.data[s.n++] = at - Number(m[1]);
    const i = Number(m[2]);
    if (i < messages && ++perIndex[i]! >= alive) reportDone(i);
  }
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
      reject(err);
    };
    let handle: ClientRequest | WebSocket;
    const timer = setTimeout(() => {
      fail(new Error('open timed out'));
      if (handle instanceof WebSocket) handle.terminate();
      else handle.destroy();
    }, OPEN_TIMEOUT_MS);
    if (kind === 'ws') {
      const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/${topic}/ws`, { perMessageDeflate: false, handshakeTimeout: OPEN_TIMEOUT_MS });
      handle = ws;
      ws.on('message', (data: WebSocket.RawData) => {
        const at = now();
        if (!ready) becomeReady();
        record('ws', data.toString(), at);
      });
      ws.on('error', (err) => fail(err));
      ws.on('close', () => fail(new Error('closed')));
    } else {
      const req = get(`${baseUrl}/${topic}/sse`, { agent }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return fail(new Error(`HTTP ${res.statusCode}`));
        }
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (chunk: string) => {
          const at = now();
          buf += chunk;
          const end = buf.lastIndexOf('\n\n');
          if (end < 0) return;
          const events = buf.slice(0, end);
          buf = buf.slice(end + 2);
          if (!ready) becomeReady();
          record('sse', events, at);
        });
        res.on('close', () => fail(new Error('closed')));
      });
      handle = req;
      req.on('error', (err) => fail(err));
    }
    handles.push(handle);
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
