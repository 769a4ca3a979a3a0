/**
 * Baseline server: node:http plus `ws` and nothing else (no framework, no validation, no
 * cache, no keepalive timers). It speaks just enough of Herald's wire format that the same
 * load tool and the same subscriber clients run against both, so a ratio measures Herald's
 * own overhead rather than differences in the clients.
 *
 *   node dist/bench/servers/bare.js PORT
 */
import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

const port = Number(process.argv[2]);
const sse = new Map<string, Set<ServerResponse>>();
const sockets = new Map<string, Set<WebSocket>>();
const TOPIC_PATH = /^\/([-_A-Za-z0-9]{1,64})(?:\/(sse|ws))?$/;

function id(): string {
  return randomBytes(9).toString('base64url').slice(0, 12);
}

function messageJson(event: string, topic: string, message?: string): string {
  const time = Math.floor(Date.now() / 1000);
  const base = { id: id(), time, ...(event === 'message' ? { expires: time + 43_200 } : {}), event, topic };
  return JSON.stringify(message === undefined ? base : { ...base, message });
}

function join<T>(map: Map<string, Set<T>>, topic: string, member: T): () => void {
  let set = map.get(topic);
  if (!set) map.set(topic, (set = new Set()));
  set.add(member);
  return () => set.delete(member);
}

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: 64 });

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/v1/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"healthy":true}\n');
    return;
  }
  const match = TOPIC_PATH.exec(url.pathname);
  if (!match) {
    res.writeHead(404).end();
    return;
  }
  const topic = match[1]!;
  if ((req.method === 'POST' || req.method === 'PUT') && !match[2]) {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const json = messageJson('message', topic, Buffer.concat(chunks).toString('utf8').trim());
      res.writeHead(200, { 'content-type': 'application/json' }).end(`${json}\n`);
      const frame = `data: ${json}\n\n`;
      for (const r of sse.get(topic) ?? []) r.write(frame);
      const text = `${json}\n`;
      for (const ws of sockets.get(topic) ?? []) ws.send(text);
    });
    return;
  }
  if (req.method === 'GET' && match[2] === 'sse') {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    res.socket?.setNoDelay(true);
    res.write(`event: open\ndata: ${messageJson('open', topic)}\n\n`);
    const leave = join(sse, topic, res);
    res.on('close', leave);
    return;
  }
  res.writeHead(404).end();
});

server.on('upgrade', (req, socket: Socket, head: Buffer) => {
  const match = TOPIC_PATH.exec(new URL(req.url ?? '/', 'http://x').pathname);
  if (!match || match[2] !== 'ws') {
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    socket.setNoDelay(true);
    ws.send(`${messageJson('open', match[1]!)}\n`);
    const leave = join(sockets, match[1]!, ws);
    ws.on('close', leave);
    ws.on('error', () => ws.terminate());
  });
});

server.listen(port, '127.0.0.1');
// Nothing to flush, and upgraded sockets would keep server.close() waiting.
process.once('SIGTERM', () => process.exit(0));
