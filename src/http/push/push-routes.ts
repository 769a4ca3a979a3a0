import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assertCategoryAllowed } from '../../core/keys/categories.js';
import { scopeAllows } from '../../core/keys/scopes.js';
import { rateKeyProblem } from '../../core/push/delivery-gates.js';
import type { PushRequest, PushView } from '../../core/push/push-service.js';
import { windowProblem } from '../../core/push/send-window.js';
import type { PushLimits } from '../../ports/push-sender.js';
import { HeraldError } from '../../errors/index.js';
import type { DeliveryState } from '../../ports/push-store.js';
import type { HttpDeps } from '../deps.js';
import { sendJson } from '../account/account-routes.js';
import { jsonBody } from '../account/json-body.js';
import { auditContext } from '../plugins/audit-context.js';
import { requireAllCategories, viewerOf } from '../plugins/viewer.js';
import { deliveryJson, iso, parseInstant, parseTime } from './json.js';
import { DeliveriesQuery, PushBody, PushParams, PushStatusBody, StatsQuery, SubscriberTokenBody } from './schemas.js';

const DAY_MS = 86_400_000;

/** `/v1/push`: send, status, deliveries, cancel, device feedback and stats. */
export function registerPushRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const { push, clock } = deps;

  app.post('/v1/push', { config: { scope: 'push:send' } }, async (request, reply) => {
    const body = jsonBody(request, PushBody);
    assertCategoryAllowed(request.principal.apiKey?.categories, body.category);
    const ctx = auditContext(request);
    const result = await push.send(pushRequest(body), ctx.actor);
    // Not awaited: the push is already stored, and a failed audit write is logged, never a failed send.
    if (result.created) void deps.auditTrail.record(ctx, 'push.send', result.id, { state: result.state, targets: result.targets, ...(body.category ? { category: body.category } : {}) });
    // A repeated id (same sender, within 24 h) sends nothing: it says so, and where the first push stands.
    return sendJson(reply.code(202), { id: result.id, state: result.state, targets: result.targets, ...(result.created ? {} : { duplicate: true }) });
  });

  app.get('/v1/push/stats', { schema: { querystring: StatsQuery }, config: { scope: 'stats:read' } }, async (request, reply) => {
    requireAllCategories(request);
    const q = request.query as { since?: string; until?: string; app?: string };
    const until = q.until !== undefined ? parseInstant(q.until, 'until') : clock.now();
    const since = q.since !== undefined ? parseInstant(q.since, 'since') : until - DAY_MS;
    if (since > until) throw new HeraldError('badRequest', { detail: 'since must not be after until' });
    const stats = await push.stats({ since, until, ...(q.app ? { app: q.app } : {}) });
    return sendJson(reply, { since: iso(since), until: iso(until), ...(q.app ? { app: q.app } : {}), by_provider: stats.byProvider, attempts: stats.attempts, latency_ms: stats.latency });
  });

  app.get('/v1/push/:id', { schema: { params: PushParams }, config: { scope: 'push:read' } }, async (request, reply) =>
    sendJson(reply, viewJson(await push.view((request.params as { id: string }).id, viewerOf(request)))));

  app.get('/v1/push/:id/deliveries', { schema: { params: PushParams, querystring: DeliveriesQuery }, config: { scope: 'push:read' } }, async (request, reply) => {
    const q = request.query as { state?: DeliveryState; limit?: number; cursor?: string };
    const page = await push.deliveries((request.params as { id: string }).id, { ...q, limit: q.limit ?? 100 }, viewerOf(request));
    return sendJson(reply, { deliveries: page.deliveries.map(deliveryJson), ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}) });
  });

  app.delete('/v1/push/:id', { schema: { params: PushParams }, config: { scope: 'push:send' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const cancelled = await push.cancel(id, viewerOf(request));
    await deps.auditTrail.record(auditContext(request), 'push.cancel', id, { cancelled });
    return sendJson(reply, { cancelled });
  });

  // Called by the app on the phone: an API key with push:send, or the subscriber token of the
  // device's user (`Authorization: Bearer st_…` plus `X-Herald-Subscriber`).
  app.post('/v1/push/:id/status', { schema: { params: PushParams }, config: { scope: 'subscriber' } }, async (request, reply) => {
    const body = jsonBody(request, PushStatusBody);
    const user = await subscriberOf(request, deps, 'push:send');
    await push.reportStatus((request.params as { id: string }).id, body.device, body.status, user, user === undefined ? viewerOf(request) : undefined);
    return sendJson(reply, { success: true });
  });

  app.post('/v1/subscriber-tokens', { config: { scope: 'subscribers:write' } }, async (request, reply) => {
    const body = jsonBody(request, SubscriberTokenBody);
    return sendJson(reply, { subscriber: body.subscriber, token: deps.subscriberTokens.token(body.subscriber) });
  });
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

function viewJson(v: PushView): Record<string, unknown> {
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
