import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { encodeFrame, type StreamFormat } from '../../core/hub/envelope.js';
import { passesFilters } from '../../core/subscriptions/filters.js';
import { HeraldError } from '../../errors/index.js';
import type { HttpDeps } from '../deps.js';
import { LiveStream, type StreamTransport } from './live-stream.js';
import { TopicListParams } from './schemas.js';
import { requireAccess } from '../plugins/auth.js';
import { parseSubscribeRequest, parseTopicList, type SubscribeRequest } from './subscribe-request.js';

const CONTENT_TYPES: Record<Exclude<StreamFormat, 'ws'>, string> = {
  json: 'application/x-ndjson; charset=utf-8',
  sse: 'text/event-stream; charset=utf-8',
  raw: 'text/plain; charset=utf-8',
};

/** Parses the request, then takes the visitor's subscription slot and marks the topics as used. */
export async function admitSubscriber(request: FastifyRequest, deps: HttpDeps, topicList: string): Promise<SubscribeRequest> {
  const now = deps.clock.now();
  const sub = parseSubscribeRequest(request, topicList, now, deps.config.subscriptionTopicLimit);
  for (const t of sub.topics) deps.topics.assertAllowed(t);
  await requireAccess(deps.auth, request, sub.topics, 'read');
  deps.topicRegistry.touch(sub.topics, now, request.visitor);
  return sub;
}

/** `GET /<topics>/json|sse|raw` (streams and `poll=1`) and `GET /<topics>/auth`. */
export function registerSubscribeRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const { config, metrics } = deps;
  // Label lookups resolved once: the counters are hit once per message per subscriber.
  const deliveryCounters = Object.fromEntries((['json', 'sse', 'raw'] as const).map((f) => {
    const child = metrics.deliveries.labels(f);
    return [f, () => child.inc()];
  })) as Record<'json' | 'sse' | 'raw', () => void>;

  for (const format of ['json', 'sse', 'raw'] as const) {
    app.get<{ Params: TopicListParams }>(`/:topics/${format}`, { schema: { params: TopicListParams }, config: { rateLimited: true, scope: 'topics', topicMessageParams: true } }, async (request, reply) => {
      const sub = await admitSubscriber(request, deps, request.params.topics);
      const visitor = request.visitor;
      visitor.openSubscription();
      const headers = {
        'content-type': CONTENT_TYPES[format],
        'access-control-allow-origin': config.accessControlAllowOrigin,
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
      };
      if (sub.poll) {
        try {
          const messages = await deps.topics.cached({ topics: sub.topics, since: sub.since, scheduled: sub.scheduled });
          const body = messages.filter((m) => passesFilters(m, sub.filters)).map((m) => encodeFrame(format, m)).join('');
          return reply.headers(headers).send(body);
        } finally {
          visitor.releaseSubscription();
        }
      }
      return streamTo(request, reply, deps, sub, format, headers);
    });
  }

  app.get('/:topics/ws', { schema: { params: TopicListParams }, config: { rateLimited: true, scope: 'topics', topicMessageParams: true } }, async () => {
    // Real WebSocket handshakes never get here: the server's upgrade listener takes them.
    throw new HeraldError('notWebSocket');
  });

  app.get<{ Params: TopicListParams }>('/:topics/auth', { schema: { params: TopicListParams }, config: { rateLimited: true, scope: 'topics' } }, async (request, reply) => {
    await requireAccess(deps.auth, request, parseTopicList(request.params.topics, deps.config.subscriptionTopicLimit), 'read');
    return reply.type('application/json').send('{"success":true}\n');
  });

  function streamTo(request: FastifyRequest, reply: FastifyReply, d: HttpDeps, sub: SubscribeRequest, format: Exclude<StreamFormat, 'ws'>, headers: Record<string, string>): FastifyReply {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, headers);
    res.flushHeaders();
    // Over HTTP/2 the socket is shared by every stream of the session and may not be tuned or
    // counted per stream; the stream's own buffer is what matters there.
    const socket = request.raw.httpVersionMajor < 2 ? res.socket : null;
    socket?.setNoDelay(true);
    socket?.setKeepAlive(true);
    const transport: StreamTransport = {
      format,
      write: (frame) => void res.write(frame),
      buffered: () => res.writableLength + (socket?.writableLength ?? 0),
      keepalive: (frame) => void res.write(frame),
      close: (graceful) => (graceful ? res.end() : res.destroy()),
    };
    const stream = new LiveStream(sub, request.principal, transport, {
      hub: d.hub,
      topics: d.topics,
      clock: d.clock,
      logger: request.log,
      keepaliveMs: d.config.keepaliveInterval,
      bufferLimit: d.config.subscriberBufferLimit,
      onDrop: (reason) => metrics.subscribersDropped.inc({ reason }),
      onDeliver: deliveryCounters[format],
    });
    metrics.subscribers.inc({ transport: format });
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      stream.stop();
      request.visitor.releaseSubscription();
      metrics.subscribers.dec({ transport: format });
    };
    res.on('close', end);
    stream.start().catch((err: unknown) => {
      request.log.error({ err }, 'stream replay failed');
      res.destroy();
    });
    return reply;
  }
}
