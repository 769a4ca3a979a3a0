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
import type { Visitor } from '../../core/limits/visitor.js';
import { visitorOf } from '../plugins/tier-visitor.js';
import { LiveStream, type StreamTransport } from './live-stream.js';
import { parseSubscribeRequest } from './subscribe-request.js';

const WS_PATH = /^\/([^/]+)\/ws$/;
/** The handshake key ws accepts: 16 bytes in base64. */
const WS_KEY = /^[+/0-9A-Za-z]{22}==$/;
/** ntfy closes a WebSocket whose client sends frames larger than this. */
const MAX_CLIENT_FRAME = 64;
/** How much longer than the keepalive interval a silent client is tolerated. */
const READ_GRACE_MS = 15_000;

/**
 * Serves `GET /<topics>/ws`. Node hands upgrade requests to this listener instead of Fastify,
 * so the route checks (rate limit, topics, subscription slot) happen here; a refused upgrade
 * answers with the usual JSON error and closes the connection.
 */
export function attachWebSocket(server: Server, deps: HttpDeps, log: FastifyBaseLogger): void {
  const deliveries = deps.metrics.deliveries.labels('ws');
  const deliveryCounter = () => deliveries.inc();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME, perMessageDeflate: false, clientTracking: false });
  // Handshake headers ws refuses that the checks below do not cover (e.g. Sec-WebSocket-Protocol).
  wss.on('wsClientError', (err: Error, socket: Duplex) => refuse(socket, new HeraldError('notWebSocket', { detail: err.message })));

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void upgrade(req, socket, head));

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // Node leaves an upgraded socket without an error listener; a reset would otherwise crash.
    socket.on('error', () => socket.destroy());
    // The subscription slot is given back when the socket closes, whatever closes it: a refused
    // or failed handshake (ws then destroys the socket without calling back), a client that
    // leaves mid-way, or the end of the WebSocket.
    let held: Visitor | undefined;
    let closed = false;
    const release = () => {
      held?.releaseSubscription();
      held = undefined;
    };
    socket.once('close', () => {
      closed = true;
      release();
    });
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = WS_PATH.exec(url.pathname);
      if (!match || req.method !== 'GET' || (req.headers.upgrade ?? '').toLowerCase() !== 'websocket') throw new HeraldError('notFound');
      const now = deps.clock.now();
      const byAddress = deps.visitors.forIp(clientIp(req, clientIpSettings(deps.config)));
      await byAddress.takeRequest(now);
      checkHandshake(req);
      const source = { headers: req.headers, query: Object.fromEntries(url.searchParams) };
      const sub = parseSubscribeRequest(source, decodePath(match[1]!), now, deps.config.subscriptionTopicLimit);
      for (const t of sub.topics) deps.topics.assertAllowed(t);
      const principal = await authenticateRequest({ auth: deps.auth, keys: deps.keys }, source, byAddress, deps.clock, req.socket.remoteAddress ?? '');
      if (deps.auth) await deps.auth.authorize(principal, sub.topics, 'read');
      // The subscription counts against a tier user's own visitor, as on the other stream routes.
      const visitor = await visitorOf(deps.auth, deps.visitors, principal, byAddress);
      if (closed) return;
      deps.topicRegistry.touch(sub.topics, now, visitor);
      visitor.openSubscription();
      held = visitor;
      wss.handleUpgrade(req, socket, head, (ws) => serve(ws, sub, principal, release));
    } catch (err) {
      release();
      if (!isHeraldError(err)) log.error({ err }, 'websocket upgrade failed');
      refuse(socket, isHeraldError(err) ? err : new HeraldError('internal', { cause: err }));
    }
  }

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

/** 400 40016 for a handshake ws would refuse, before anything is counted or opened for it. */
function checkHandshake(req: IncomingMessage): void {
  const key = req.headers['sec-websocket-key'];
  const version = req.headers['sec-websocket-version'];
  if (typeof key !== 'string' || !WS_KEY.test(key)) throw new HeraldError('notWebSocket', { detail: 'missing or invalid Sec-WebSocket-Key' });
  if (version !== '13' && version !== '8') throw new HeraldError('notWebSocket', { detail: 'missing or unsupported Sec-WebSocket-Version' });
}

/** Answers a refused upgrade with the JSON error, then closes the connection. */
function refuse(socket: Duplex, error: HeraldError): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${JSON.stringify(error.toJSON())}\n`;
  const retryAfterMs = error.details?.retryAfterMs;
  const retryAfter = typeof retryAfterMs === 'number' ? `Retry-After: ${Math.max(1, Math.ceil(retryAfterMs / 1000))}\r\n` : '';
  socket.end(
    `HTTP/1.1 ${error.http} ${STATUS_CODES[error.http] ?? ''}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `${retryAfter}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
