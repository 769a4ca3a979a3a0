import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { NotificationView } from '../../core/notify/notify-service.js';
import type { NotifyRequest } from '../../core/notify/notify-types.js';
import type { ChannelDeliveryRecord } from '../../ports/notify-store.js';
import type { HttpDeps } from '../deps.js';
import { sendJson } from '../account/account-routes.js';
import { jsonBody } from '../account/json-body.js';
import { auditContext } from '../plugins/audit-context.js';
import { viewerOf } from '../plugins/viewer.js';
import { iso } from '../push/json.js';

const Channel = Type.Union(['push', 'email', 'sms', 'webhook', 'inapp'].map((c) => Type.Literal(c)));
const NotifyBody = Type.Object({
  template: Type.String({ minLength: 1, maxLength: 64 }),
  to: Type.Union([
    Type.Object({ subscribers: Type.Array(Type.String({ maxLength: 128 }), { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false }),
    Type.Object({ topic: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
  ]),
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  category: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  priority: Type.Optional(Type.Union(['critical', 'high', 'normal', 'low'].map((p) => Type.Literal(p)))),
  channels: Type.Optional(Type.Array(Channel, { minItems: 1, maxItems: 5 })),
  strategy: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('fallback')])),
  idempotency_key: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  send_at: Type.Optional(Type.String({ maxLength: 40 })),
  expires_at: Type.Optional(Type.String({ maxLength: 40 })),
}, { additionalProperties: false });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const ViewQuery = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 128 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
});

/** `POST /v1/notify`, its status per recipient and channel, and cancel. */
export function registerNotifyRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const { notify } = deps;

  app.post('/v1/notify', { config: { scope: 'notify:send' } }, async (request, reply) => {
    const body = jsonBody(request, NotifyBody) as NotifyRequest;
    const ctx = auditContext(request);
    const key = request.principal.apiKey;
    const result = await notify.notify(body, { id: ctx.actor, ...(key?.categories.length ? { categories: key.categories } : {}) });
    if (result.created) {
      void deps.auditTrail.record(ctx, 'notify.send', result.id, {
        template: body.template, ...('topic' in body.to ? { topic: body.to.topic } : { recipients: body.to.subscribers.length }),
        ...(body.category ? { category: body.category } : {}),
      });
    }
    return sendJson(reply.code(202), { id: result.id, state: result.state, recipients: result.recipients, ...(result.created ? {} : { duplicate: true }) });
  });

  app.get('/v1/notify/:id', { schema: { params: IdParams, querystring: ViewQuery }, config: { scope: 'notify:read' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const q = request.query as { cursor?: string; limit?: number };
    return sendJson(reply, viewJson(await notify.view(id, { ...(q.cursor ? { cursor: q.cursor } : {}), limit: q.limit ?? 100 }, viewerOf(request).categories)));
  });

  app.delete('/v1/notify/:id', { schema: { params: IdParams }, config: { scope: 'notify:send' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const result = await notify.cancel(id, viewerOf(request).categories);
    void deps.auditTrail.record(auditContext(request), 'notify.cancel', id, { recipients: result.cancelled });
    return sendJson(reply, { id, state: 'cancelled', cancelled: result.cancelled });
  });
}

function viewJson(v: NotificationView): Record<string, unknown> {
  const n = v.notification;
  return {
    id: n.id,
    template: n.template,
    category: n.category,
    priority: n.priority,
    strategy: n.strategy,
    ...(n.channels ? { channels: n.channels } : {}),
    to: 'topic' in n.to ? { topic: n.to.topic } : { subscribers: n.to.subscribers.length },
    state: n.phase === 'cancelled' ? 'cancelled' : n.phase === 'routing' ? 'routing' : v.counts.pending || v.counts.sending || v.counts.scheduled || v.counts.deferred || v.channelsInFlight > 0 ? 'sending' : 'done',
    created_at: iso(n.createdAt),
    ...(n.sendAt !== undefined ? { send_at: n.sendAt } : {}),
    ...(n.expiresAt !== undefined ? { expires_at: iso(n.expiresAt) } : {}),
    ...(n.idempotencyKey !== undefined ? { idempotency_key: n.idempotencyKey } : {}),
    recipients: n.recipients,
    counts: v.counts,
    deliveries: v.recipients.map((r) => ({
      subscriber: r.subscriberId,
      state: r.state,
      ...(r.reason ? { reason: r.reason } : {}),
      ...(r.plan.length > 0 ? { next_channels: r.plan } : {}),
      updated_at: iso(r.updatedAt),
      channels: r.channels.map(channelJson),
    })),
    ...(v.nextCursor !== undefined ? { next_cursor: v.nextCursor } : {}),
  };
}

function channelJson(c: ChannelDeliveryRecord): Record<string, unknown> {
  return {
    channel: c.channel,
    state: c.state,
    ...(c.reason ? { reason: c.reason } : {}),
    ...(c.providerId ? { provider_id: c.providerId } : {}),
    attempts: c.attempts,
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
    ...(c.sentAt !== undefined ? { sent_at: iso(c.sentAt) } : {}),
  };
}
