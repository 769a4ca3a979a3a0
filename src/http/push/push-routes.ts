import type { FastifyRequest } from 'fastify';
import { assertCategoryAllowed } from '../../core/keys/categories.js';
import { scopeAllows } from '../../core/keys/scopes.js';
import { rateKeyProblem } from '../../core/push/delivery-gates.js';
import type { ProviderPreview, PushRequest, PushSummary, PushView } from '../../core/push/push-service.js';
import { windowProblem } from '../../core/push/send-window.js';
import type { PushLimits } from '../../ports/push-sender.js';
import { HeraldError } from '../../errors/index.js';
import type { HttpDeps } from '../deps.js';
import { ERROR_ANSWERS } from '../openapi/error-schema.js';
import { withExample, type SchemaApp } from '../plugins/schema-routes.js';
import { auditContext } from '../plugins/audit-context.js';
import { requireAllCategories, viewerOf } from '../plugins/viewer.js';
import { deliveryJson, iso, parseInstant, parseTime } from './json.js';
import { deliveriesExample, pushAcceptedExample, pushExample, pushListExample, pushPreviewExample, pushPreviewRequestExample, pushViewExample, statsExample } from './examples.js';
import { CancelAnswer, DeliveriesAnswer, PushAccepted, PushListAnswer, PushPreviewAnswer, PushSummaryAnswer, PushViewAnswer, StatsAnswer, SubscriberTokenAnswer, SuccessAnswer } from './responses.js';
import { DeliveriesQuery, PushBody, PushListQuery, PushParams, PushPreviewBody, PushPreviewQuery, PushStatusBody, StatsQuery, SubscriberTokenBody } from './schemas.js';

const DAY_MS = 86_400_000;

const TAGS = ['push'];
const VIEWED = withExample(PushViewAnswer, pushViewExample);

/** `/v1/push`: send, status, deliveries, cancel, device feedback and stats. */
export function registerPushRoutes(app: SchemaApp, deps: HttpDeps): void {
  const { push, clock } = deps;

  app.post('/push', {
    schema: {
      summary: 'Send a push',
      description: 'Accepted at once (202); deliveries go on in the background. A repeated `id` from the same sender within 24 hours sends nothing and answers with `duplicate: true`.',
      tags: TAGS,
      body: withExample(PushBody, pushExample),
      response: { 202: withExample(PushAccepted, pushAcceptedExample), ...ERROR_ANSWERS },
    },
    config: { scope: 'push:send' },
  }, async (request, reply) => {
    const body = request.body;
    assertCategoryAllowed(request.principal.apiKey?.categories, body.category);
    const ctx = auditContext(request);
    const result = await push.send(pushRequest(body), ctx.actor);
    // Not awaited: the push is already stored, and a failed audit write is logged, never a failed send.
    if (result.created) void deps.auditTrail.record(ctx, 'push.send', result.id, { state: result.state, targets: result.targets, ...(body.category ? { category: body.category } : {}) });
    // A repeated id (same sender, within 24 h) sends nothing: it says so, and where the first push stands.
    return reply.code(202).send({ id: result.id, state: result.state, targets: result.targets, ...(result.created ? {} : { duplicate: true as const }) });
  });

  app.post('/push/preview', {
    schema: {
      summary: 'Preview a push per provider',
      description: "What APNs, FCM, HMS and Web Push would receive for this push, built by the providers' own encoders: request headers (no credentials) and body, for a stand-in device token. Nothing is sent or stored. A provider that would refuse the push says why; one with no app configured says so. `to` may be left out.",
      tags: TAGS,
      querystring: PushPreviewQuery,
      body: withExample(PushPreviewBody, pushPreviewRequestExample),
      response: { 200: withExample(PushPreviewAnswer, pushPreviewExample), ...ERROR_ANSWERS },
    },
    config: { scope: 'push:send' },
  }, async (request, reply) => {
    assertCategoryAllowed(request.principal.apiKey?.categories, request.body.category);
    // The audience plays no part in what a provider receives; the same checks as a send apply to the rest.
    const { to: _to, ...rest } = pushRequest({ ...request.body, to: {} });
    return reply.send({ providers: push.preview(rest, request.query.app).map(previewJson) });
  });

  app.get('/push', {
    schema: {
      summary: 'List pushes',
      description: 'Newest first. A key limited to categories sees the pushes in them.',
      tags: TAGS,
      querystring: PushListQuery,
      response: { 200: withExample(PushListAnswer, pushListExample), ...ERROR_ANSWERS },
    },
    config: { scope: 'push:read' },
  }, async (request, reply) => {
    const q = request.query;
    const page = await push.list({ ...(q.cursor !== undefined ? { cursor: q.cursor } : {}), limit: q.limit ?? 50 }, viewerOf(request));
    return reply.send({ pushes: page.pushes.map(summaryJson), ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}) });
  });

  app.get('/push/stats', {
    schema: {
      summary: 'Delivery statistics',
      description: 'Deliveries that ended and attempts made in a window (default: the last 24 hours), by provider.',
      tags: TAGS,
      querystring: StatsQuery,
      response: { 200: withExample(StatsAnswer, statsExample), ...ERROR_ANSWERS },
    },
    config: { scope: 'stats:read' },
  }, async (request, reply) => {
    requireAllCategories(request);
    const q = request.query;
    const until = q.until !== undefined ? parseInstant(q.until, 'until') : clock.now();
    const since = q.since !== undefined ? parseInstant(q.since, 'since') : until - DAY_MS;
    if (since > until) throw new HeraldError('badRequest', { detail: 'since must not be after until' });
    const stats = await push.stats({ since, until, ...(q.app ? { app: q.app } : {}) });
    return reply.send({ since: iso(since), until: iso(until), ...(q.app ? { app: q.app } : {}), by_provider: stats.byProvider, attempts: stats.attempts, latency_ms: stats.latency });
  });

  app.get('/push/:id', {
    schema: { summary: 'Where a push stands', tags: TAGS, params: PushParams, response: { 200: VIEWED, ...ERROR_ANSWERS } },
    config: { scope: 'push:read' },
  }, async (request, reply) => reply.send(viewJson(await push.view(request.params.id, viewerOf(request)))));

  app.get('/push/:id/deliveries', {
    schema: {
      summary: "A push's deliveries",
      tags: TAGS,
      params: PushParams,
      querystring: DeliveriesQuery,
      response: { 200: withExample(DeliveriesAnswer, deliveriesExample), ...ERROR_ANSWERS },
    },
    config: { scope: 'push:read' },
  }, async (request, reply) => {
    const q = request.query;
    const page = await push.deliveries(request.params.id, { ...q, limit: q.limit ?? 100 }, viewerOf(request));
    return reply.send({ deliveries: page.deliveries.map(deliveryJson), ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}) });
  });

  app.delete('/push/:id', {
    schema: { summary: 'Cancel a push', description: 'Cancels the deliveries not sent yet.', tags: TAGS, params: PushParams, response: { 200: withExample(CancelAnswer, { cancelled: 12 }), ...ERROR_ANSWERS } },
    config: { scope: 'push:send' },
  }, async (request, reply) => {
    const { id } = request.params;
    const cancelled = await push.cancel(id, viewerOf(request));
    await deps.auditTrail.record(auditContext(request), 'push.cancel', id, { cancelled });
    return reply.send({ cancelled });
  });

  // Called by the app on the phone: an API key with push:send, or the subscriber token of the
  // device's user (`Authorization: Bearer st_…` plus `X-Herald-Subscriber`).
  app.post('/push/:id/status', {
    schema: {
      summary: 'Report a delivery from the device',
      description: 'Called by the app on the device: with an API key holding `push:send`, or with the subscriber token of the device\'s user.',
      tags: TAGS,
      params: PushParams,
      body: withExample(PushStatusBody, { device: 'dev_3kTq9ZpW1xYb7NcA', status: 'delivered' }),
      response: { 200: withExample(SuccessAnswer, { success: true }), ...ERROR_ANSWERS },
      security: [{ apiKey: ['push:send'] }, { subscriberToken: [] }],
    },
    config: { scope: 'subscriber' },
  }, async (request, reply) => {
    const body = request.body;
    const user = await subscriberOf(request, deps, 'push:send');
    await push.reportStatus(request.params.id, body.device, body.status, user, user === undefined ? viewerOf(request) : undefined);
    return reply.send({ success: true });
  });

  app.post('/subscriber-tokens', {
    schema: {
      summary: 'Issue a subscriber token',
      description: 'A token the app of one subscriber uses to call the routes meant for it.',
      tags: TAGS,
      body: withExample(SubscriberTokenBody, { subscriber: 'user-42' }),
      response: { 200: withExample(SubscriberTokenAnswer, { subscriber: 'user-42', token: 'st_0123456789abcdef' }), ...ERROR_ANSWERS },
    },
    config: { scope: 'subscribers:write' },
  }, async (request, reply) => reply.send({ subscriber: request.body.subscriber, token: deps.subscriberTokens.token(request.body.subscriber) }));
}

/**
 * For routes an app calls for its own user: undefined when the caller is trusted with `scope`
 * (an admin or an API key), else the subscriber id its token was verified for.
 */
export async function subscriberOf(request: FastifyRequest, deps: HttpDeps, scope: 'push:send'): Promise<string | undefined> {
  const p = request.principal;
  if (p.role === 'admin') return undefined;
  if (p.apiKey) {
    if (!scopeAllows(p.apiKey.scopes, scope)) throw new HeraldError('scopeMissing', { detail: `needs ${scope}` });
    return undefined;
  }
  const header = request.headers['x-herald-subscriber'];
  const subscriber = typeof header === 'string' ? header : undefined;
  if (!p.subscriberToken || !subscriber || !deps.subscriberTokens.verify(subscriber, p.subscriberToken)) throw new HeraldError('unauthorized');
  await deps.subscriberLimits.take(subscriber, deps.clock.now());
  return subscriber;
}

function pushRequest(body: PushBody): PushRequest {
  const overrides = {
    ...(body.apns ? { apns: body.apns } : {}),
    ...(body.fcm ? { fcm: body.fcm } : {}),
    ...(body.hms ? { hms: body.hms } : {}),
    ...(body.webpush ? { webpush: body.webpush } : {}),
  };
  return {
    ...(body.id !== undefined ? { id: body.id } : {}),
    ...(body.analytics_id !== undefined ? { analyticsId: body.analytics_id } : {}),
    to: audience(body.to),
    notification: body.notification ?? {},
    overrides,
    priority: body.priority ?? 'normal',
    ...(body.collapse_key !== undefined ? { collapseKey: body.collapse_key } : {}),
    ...(body.send_at !== undefined ? { sendAt: parseTime(body.send_at, 'send_at') } : {}),
    ...(body.expires_at !== undefined ? { expiresAt: parseTime(body.expires_at, 'expires_at') } : {}),
    ...(body.category !== undefined ? { category: body.category } : {}),
    ...(body.limits !== undefined ? { limits: pushLimits(body.limits) } : {}),
    ...personalization(body),
  };
}

/** Templating is off unless asked for; localizations turn it on by themselves, as on the Centrifugo face. */
function personalization(body: PushBody): Pick<PushRequest, 'personalize'> {
  if (body.templating !== true && body.localizations === undefined) return {};
  const localizations: Record<string, Record<string, string>> = {};
  for (const [lang, l] of Object.entries(body.localizations ?? {})) localizations[lang] = l.translations;
  return { personalize: { useMeta: body.use_meta === true, localizations } };
}

/** `to` as the push service takes it: provider topics as kind and value, exactly one of topic and condition each. */
function audience(to: PushBody['to']): PushRequest['to'] {
  const { provider_topics: providerTopics, ...rest } = to;
  if (!providerTopics?.length) return rest;
  return {
    ...rest,
    providerTopics: providerTopics.map((t, i) => {
      if ((t.topic === undefined) === (t.condition === undefined)) {
        throw new HeraldError('pushInvalid', { detail: `to.provider_topics[${i}]: give exactly one of topic and condition` });
      }
      const kind = t.topic !== undefined ? 'topic' as const : 'condition' as const;
      return { provider: t.provider, ...(t.app !== undefined ? { app: t.app } : {}), kind, value: (t.topic ?? t.condition)! };
    }),
  };
}

function pushLimits(limits: NonNullable<PushBody['limits']>): PushLimits {
  const out: PushLimits = {};
  if (limits.window) {
    const problem = windowProblem(limits.window.after, limits.window.before);
    if (problem) throw new HeraldError('pushInvalid', { detail: `limits.window.${problem.field}: ${problem.problem}` });
    out.window = { after: limits.window.after, before: limits.window.before, noZoneSendNow: limits.window.no_zone === 'send' };
  }
  if (limits.rate) {
    const keyProblem = limits.rate.key === undefined ? undefined : rateKeyProblem(limits.rate.key);
    if (keyProblem) throw new HeraldError('pushInvalid', { detail: `limits.rate.key: ${keyProblem}` });
    out.rate = {
      ...(limits.rate.key !== undefined ? { key: limits.rate.key } : {}),
      policies: limits.rate.policies.map((p) => ({ rate: p.rate, intervalMs: p.interval_ms })),
      drop: limits.rate.drop === true,
    };
  }
  return out;
}

function summaryJson(s: PushSummary): PushSummaryAnswer {
  return { ...viewJson(s), actor: s.actor, category: s.category, ...(s.title !== undefined ? { title: s.title } : {}), ...(s.body !== undefined ? { body: s.body } : {}) };
}

function previewJson(p: ProviderPreview): PushPreviewAnswer['providers'][number] {
  if (!p.configured) return { provider: p.provider, configured: false };
  if ('error' in p) return { provider: p.provider, configured: true, app: p.app, error: { code: p.error.code, error: p.error.message } };
  return { provider: p.provider, configured: true, app: p.app, bytes: p.bytes, headers: p.request.headers, body: p.request.body, ...(p.request.note !== undefined ? { note: p.request.note } : {}) };
}

function viewJson(v: PushView): PushViewAnswer {
  return {
    id: v.id,
    state: v.state,
    created_at: iso(v.createdAt),
    send_at: iso(v.sendAt),
    expires_at: iso(v.expiresAt),
    targets: v.targets,
    counts: v.counts,
    by_provider: v.byProvider,
  };
}
