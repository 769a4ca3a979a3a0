import type { NotificationView } from '../../core/notify/notify-service.js';
import type { ChannelDeliveryRecord } from '../../ports/notify-store.js';
import type { HttpDeps } from '../deps.js';
import { ERROR_ANSWERS } from '../openapi/error-schema.js';
import { auditContext } from '../plugins/audit-context.js';
import { withExample, type SchemaApp } from '../plugins/schema-routes.js';
import { viewerOf } from '../plugins/viewer.js';
import { iso } from '../push/json.js';
import { notificationExample, notifyExample } from './examples.js';
import { NotificationAnswer, NotifyAccepted, NotifyCancelAnswer, type ChannelDeliveryAnswer } from './responses.js';
import { NotificationParams, NotificationQuery, NotifyBody } from './schemas.js';

const TAGS = ['notify'];

/** `POST /v1/notify`, its status per recipient and channel, and cancel. */
export function registerNotifyRoutes(app: SchemaApp, deps: HttpDeps): void {
  const { notify } = deps;

  app.post('/notify', {
    schema: {
      summary: 'Send a notification',
      description: 'Accepted at once (202): each recipient gets the template rendered on the channels its category, preferences and the request allow. '
        + 'A repeated `idempotency_key` from the same sender within 24 hours sends nothing and answers with `duplicate: true`.',
      tags: TAGS,
      body: withExample(NotifyBody, notifyExample),
      response: { 202: withExample(NotifyAccepted, { id: 'n_5Yc2kPq9Wm', state: 'accepted', recipients: 1 }), ...ERROR_ANSWERS },
    },
    config: { scope: 'notify:send' },
  }, async (request, reply) => {
    const body = request.body;
    const ctx = auditContext(request);
    const key = request.principal.apiKey;
    const result = await notify.notify(body, { id: ctx.actor, ...(key?.categories.length ? { categories: key.categories } : {}) });
    if (result.created) {
      void deps.auditTrail.record(ctx, 'notify.send', result.id, {
        template: body.template, ...('topic' in body.to ? { topic: body.to.topic } : { recipients: body.to.subscribers.length }),
        ...(body.category ? { category: body.category } : {}),
      });
    }
    return reply.code(202).send({ id: result.id, state: result.state, recipients: result.recipients, ...(result.created ? {} : { duplicate: true as const }) });
  });

  app.get('/notify/:id', {
    schema: {
      summary: 'Where a notification stands',
      description: 'Its state, counts by recipient state, and a page of recipients with their channel deliveries.',
      tags: TAGS,
      params: NotificationParams,
      querystring: NotificationQuery,
      response: { 200: withExample(NotificationAnswer, notificationExample), ...ERROR_ANSWERS },
    },
    config: { scope: 'notify:read' },
  }, async (request, reply) => {
    const q = request.query;
    return reply.send(viewJson(await notify.view(request.params.id, { ...(q.cursor ? { cursor: q.cursor } : {}), limit: q.limit ?? 100 }, viewerOf(request).categories)));
  });

  app.delete('/notify/:id', {
    schema: {
      summary: 'Cancel a notification',
      description: 'Stops what has not gone out yet.',
      tags: TAGS,
      params: NotificationParams,
      response: { 200: withExample(NotifyCancelAnswer, { id: 'n_5Yc2kPq9Wm', state: 'cancelled', cancelled: 3 }), ...ERROR_ANSWERS },
    },
    config: { scope: 'notify:send' },
  }, async (request, reply) => {
    const { id } = request.params;
    const result = await notify.cancel(id, viewerOf(request).categories);
    void deps.auditTrail.record(auditContext(request), 'notify.cancel', id, { recipients: result.cancelled });
    return reply.send({ id, state: 'cancelled' as const, cancelled: result.cancelled });
  });
}

/** One word for where a notification stands, from its phase, recipient counts and channel sends in flight. */
export function notificationState(v: Pick<NotificationView, 'notification' | 'counts' | 'channelsInFlight'>): NotificationAnswer['state'] {
  const n = v.notification;
  if (n.phase === 'cancelled') return 'cancelled';
  if (n.phase === 'routing') return 'routing';
  return v.counts.pending || v.counts.sending || v.counts.scheduled || v.counts.deferred || v.channelsInFlight > 0 ? 'sending' : 'done';
}

/** A notification as listings show it: everything but its deliveries. */
export function notificationSummaryJson(v: Pick<NotificationView, 'notification' | 'counts' | 'channelsInFlight'>) {
  const n = v.notification;
  return {
    id: n.id,
    template: n.template,
    category: n.category,
    priority: n.priority,
    strategy: n.strategy,
    ...(n.channels ? { channels: n.channels } : {}),
    to: 'topic' in n.to ? { topic: n.to.topic } : { subscribers: n.to.subscribers.length },
    state: notificationState(v),
    created_at: iso(n.createdAt),
    ...(n.sendAt !== undefined ? { send_at: n.sendAt } : {}),
    ...(n.expiresAt !== undefined ? { expires_at: iso(n.expiresAt) } : {}),
    ...(n.idempotencyKey !== undefined ? { idempotency_key: n.idempotencyKey } : {}),
    recipients: n.recipients,
    counts: v.counts,
  };
}

function viewJson(v: NotificationView): NotificationAnswer {
  return {
    ...notificationSummaryJson(v),
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

function channelJson(c: ChannelDeliveryRecord): ChannelDeliveryAnswer {
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
