import type { FastifyInstance } from 'fastify';
import { DEFAULT_ROTATION_OVERLAP_MS, EVENT_TYPES, type EventEndpointService } from '../../core/events/index.js';
import { HeraldError } from '../../errors/index.js';
import type { EventAttemptRecord, EventEndpointRecord } from '../../ports/event-endpoint-store.js';
import { parseHumanDuration } from '../../util/durations.js';
import { sendJson } from '../account/account-routes.js';
import { jsonBody } from '../account/json-body.js';
import type { HttpDeps } from '../deps.js';
import { auditContext } from '../plugins/audit-context.js';
import { requireAllCategories } from '../plugins/viewer.js';
import { AttemptsQuery, EndpointCreateBody, EndpointListQuery, EndpointParams, EndpointPatchBody, EndpointRotateBody } from './schemas.js';

const READ = { scope: 'events:read' } as const;
const WRITE = { scope: 'events:write' } as const;

/** The secret is shown when it is made (create, rotate) and to `events:write` through its own route, never in reads or listings. */
function endpointJson(e: EventEndpointRecord, withSecret: boolean): Record<string, unknown> {
  return {
    id: e.id, url: e.url, events: e.events, description: e.description,
    enabled: e.disabledAt === 0,
    ...(e.disabledAt !== 0 ? { disabled_at: new Date(e.disabledAt).toISOString(), disabled_reason: e.disabledReason } : {}),
    ...(withSecret ? { secret: e.secret } : {}),
    ...(withSecret && e.previousSecret && e.previousSecretExpires > 0 ? { previous_secret_expires_at: new Date(e.previousSecretExpires).toISOString() } : {}),
    consecutive_failures: e.consecutiveFailures,
    created_at: new Date(e.createdAt).toISOString(),
    updated_at: new Date(e.updatedAt).toISOString(),
  };
}

function attemptJson(a: EventAttemptRecord): Record<string, unknown> {
  return {
    message_id: a.messageId, type: a.type, attempt: a.attempt, result: a.result, at: new Date(a.time).toISOString(),
    ...(a.status !== undefined ? { status: a.status } : {}), ...(a.error !== undefined ? { error: a.error } : {}),
  };
}

/**
 * `/v1/event-endpoints`: app backends register URLs that receive Herald's events (push delivery
 * outcomes, device invalidations, notify channel states) as Standard Webhooks signed POSTs.
 * Endpoints see events of every category, so keys limited to categories may not manage them.
 */
export function registerEventEndpointRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const service = deps.eventEndpoints;
  if (!service) return;
  const endpoints: EventEndpointService = service;

  app.get('/v1/event-types', { config: READ }, async (_request, reply) => sendJson(reply, { types: EVENT_TYPES }));

  app.post('/v1/event-endpoints', { config: WRITE }, async (request, reply) => {
    requireAllCategories(request);
    const body = jsonBody(request, EndpointCreateBody);
    const ctx = auditContext(request);
    const created = await endpoints.create(body, ctx.actor);
    await deps.auditTrail.record(ctx, 'event-endpoint.create', created.id, { url: created.url, events: created.events });
    return sendJson(reply.code(201), endpointJson(created, true));
  });

  app.get('/v1/event-endpoints', { schema: { querystring: EndpointListQuery }, config: READ }, async (request, reply) => {
    requireAllCategories(request);
    const q = request.query as EndpointListQuery;
    const page = await endpoints.list({ ...(q.cursor !== undefined ? { cursor: q.cursor } : {}), limit: q.limit ?? 100 });
    return sendJson(reply, { endpoints: page.endpoints.map((e) => endpointJson(e, false)), ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}) });
  });

  app.get('/v1/event-endpoints/:id', { schema: { params: EndpointParams }, config: READ }, async (request, reply) => {
    requireAllCategories(request);
    const { id } = request.params as EndpointParams;
    return sendJson(reply, endpointJson(await endpoints.get(id), false));
  });

  // Whoever may only read endpoints may not read the key that lets anyone forge Herald's events.
  app.get('/v1/event-endpoints/:id/secret', { schema: { params: EndpointParams }, config: WRITE }, async (request, reply) => {
    requireAllCategories(request);
    const { id } = request.params as EndpointParams;
    const e = await endpoints.get(id);
    return sendJson(reply, {
      secret: e.secret,
      ...(e.previousSecret && e.previousSecretExpires > deps.clock.now() ? { previous_secret: e.previousSecret, previous_secret_expires_at: new Date(e.previousSecretExpires).toISOString() } : {}),
    });
  });

  app.patch('/v1/event-endpoints/:id', { schema: { params: EndpointParams }, config: WRITE }, async (request, reply) => {
    requireAllCategories(request);
    const { id } = request.params as EndpointParams;
    const body = jsonBody(request, EndpointPatchBody);
    const updated = await endpoints.update(id, body);
    await deps.auditTrail.record(auditContext(request), 'event-endpoint.update', id, { ...body });
    return sendJson(reply, endpointJson(updated, false));
  });

  app.delete('/v1/event-endpoints/:id', { schema: { params: EndpointParams }, config: WRITE }, async (request, reply) => {
    requireAllCategories(request);
    const { id } = request.params as EndpointParams;
    await endpoints.remove(id);
    await deps.auditTrail.record(auditContext(request), 'event-endpoint.delete', id);
    return reply.code(204).send();
  });

  app.post('/v1/event-endpoints/:id/rotate-secret', { schema: { params: EndpointParams }, config: WRITE }, async (request, reply) => {
    requireAllCategories(request);
    const { id } = request.params as EndpointParams;
    const body = jsonBody(request, EndpointRotateBody);
    let overlapMs = DEFAULT_ROTATION_OVERLAP_MS;
    if (body.overlap !== undefined) {
      const ms = parseHumanDuration(body.overlap);
      if (ms === undefined || ms < 0 || ms > 7 * 24 * 3600_000) throw new HeraldError('badRequest', { detail: `overlap: '${body.overlap}' is not a duration of at most 7d` });
      overlapMs = ms;
    }
    const rotated = await endpoints.rotateSecret(id, overlapMs);
    await deps.auditTrail.record(auditContext(request), 'event-endpoint.rotate-secret', id, { overlap_ms: overlapMs });
    return sendJson(reply, endpointJson(rotated, true));
  });

  app.get('/v1/event-endpoints/:id/attempts', { schema: { params: EndpointParams, querystring: AttemptsQuery }, config: READ }, async (request, reply) => {
    requireAllCategories(request);
    const { id } = request.params as EndpointParams;
    const q = request.query as AttemptsQuery;
    return sendJson(reply, { attempts: (await endpoints.attempts(id, q.limit ?? 100)).map(attemptJson) });
  });
}

