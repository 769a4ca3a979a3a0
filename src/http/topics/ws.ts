import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { FastifyBaseLogger } from 'fastify';
import { HeraldError, isHeraldError } from '../../errors/index.js';
import type { HttpDeps } from '../deps.js';
import { clientIp, clientIpSettings } from '../plugins/client-ip.js';
import { authenticateRequest } from '../plugins/auth.js';
import type { Principal } from '../../core/auth/principal.js';
import { LiveStream, type StreamTransport } from './live-stream.js';
import { parseSubscribeRequest } from './subscribe-request.js';

const WS_PATH = /^\/([^/]+)\/ws$/;
/** ntfy closes a WebSocket whose client sends frames larger than this. */
const MAX_CLIENT_FRAME = 64;
/** How much longer than the keepalive interval a silent client is tolerated. */
const READ_GRACE_MS = 15_000;

/**
 * Serves `GET /<topics>/ws`. Node hands upgrade requests to this listener instead of Fastify,
 * so the route checks (rate limit, topics, subscription slot) happen here; a refused upgrade
 * answers with a bare status line, as ntfy does.
 */
export function attachWebSocket(server: Server, deps: HttpDeps, log: FastifyBaseLogger): void {
  const deliveries = deps.metrics.deliveries.labels('ws');
  const deliveryCounter = () => deliveries.inc();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME, perMessageDeflate: false, clientTracking: false });

  server.on('upgrade', async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = WS_PATH.exec(url.pathname);
    if (!match || req.method !== 'GET' || (req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return refuse(socket, 404);
    let release = () => {};
    try {
      const now = deps.clock.now();
      const visitor = deps.visitors.forIp(clientIp(req, clientIpSettings(deps.config)));
      visitor.takeRequest(now);
      const source = { headers: req.headers, query: Object.fromEntries(url.searchParams) };
      const sub = parseSubscribeRequest(source, decodePath(match[1]!), now);
      for (const t of sub.topics) deps.topics.assertAllowed(t);
      const principal = await authenticateRequest({ auth: deps.auth, keys: deps.keys }, source, visitor, deps.clock, req.socket.remoteAddress ?? '');
      if (deps.auth) await deps.auth.authorize(principal, sub.topics, 'read');
      deps.topicRegistry.touch(sub.topics, now);
      visitor.openSubscription();
      release = () => visitor.releaseSubscription();
      wss.handleUpgrade(req, socket, head, (ws) => serve(ws, sub, principal, release));
    } catch (err) {
      release();
      if (!isHeraldError(err)) log.error({ err }, 'websocket upgrade failed');
      refuse(socket, isHeraldError(err) ? err.http : 500);
    }
  });

  function serve(ws: WebSocket, sub: ReturnType<typeof parseSubscribeRequest>, principal: Principal, release: () => void): void {
    const socket = (ws as unknown as { _socket?: { writableLength: number; setNoDelay(v: boolean): void } })._socket;
    socket?.setNoDelay(true);
    const transport: StreamTransport = {
      format: 'ws',
      // Text frames from shared bytes: no per-subscriber re-encoding of the same message.
      write: (frame) => ws.send(frame, { binary: false }),
      buffered: () => ws.bufferedAmount + (socket?.writableLength ?? 0),
      // WebSocket keepalive is a ping control frame, not a JSON keepalive event.
      keepalive: () => ws.ping(),
      close: (graceful) => (graceful ? ws.close(1001, 'server shutting down') : ws.terminate()),
    };
    const stream = new LiveStream(sub, principal, transport, {
      hub: deps.hub,
      topics: deps.topics,
      clock: deps.clock,
      logger: log,
      keepaliveMs: deps.config.keepaliveInterval,
      bufferLimit: deps.config.subscriberBufferLimit,
      onDrop: (reason) => deps.metrics.subscribersDropped.inc({ reason }),
      onDeliver: deliveryCounter,
    });
    deps.metrics.subscribers.inc({ transport: 'ws' });
    // A client that sends nothing (not even a pong) for keepalive + 15s is gone.
    const deadlineMs = deps.config.keepaliveInterval + READ_GRACE_MS;
    let deadline = setTimeout(() => ws.terminate(), deadlineMs);
    const alive = () => {
      clearTimeout(deadline);
      deadline = setTimeout(() => ws.terminate(), deadlineMs);
    };
    ws.on('pong', alive);
    ws.on('message', alive);
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      clearTimeout(deadline);
      stream.stop();
      release();
      deps.metrics.subscribers.dec({ transport: 'ws' });
    });
    stream.start().catch((err: unknown) => {
      log.error({ err }, 'websocket replay failed');
      ws.terminate();
    });
  }
}

/** A malformed percent-escape is a path that does not exist, not a server error. */
function decodePath(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HeraldError('notFound');
  }
}

function refuse(socket: Duplex, status: number): void {
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
