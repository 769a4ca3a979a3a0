import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { DEFAULT_ROTATION_OVERLAP_MS, EVENT_TYPES, type EventEndpointService } from '../../core/events/index.js';
import { HeraldError } from '../../errors/index.js';
import type { EventAttemptRecord, EventEndpointRecord } from '../../ports/event-endpoint-store.js';
import { parseHumanDuration } from '../../util/durations.js';
import type { HttpDeps } from '../deps.js';
import { ERROR_ANSWERS } from '../openapi/error-schema.js';
import { auditContext } from '../plugins/audit-context.js';
import { schemaRoutes, withExample } from '../plugins/schema-routes.js';
import { requireAllCategories } from '../plugins/viewer.js';
import { attemptsExample, endpointCreateExample, endpointExample, endpointListExample, newEndpointExample, secretExample } from './examples.js';
import { AttemptsAnswer, EndpointAnswer, EndpointListAnswer, EndpointSecretAnswer, EventTypesAnswer, type AttemptAnswer } from './responses.js';
import { AttemptsQuery, EndpointCreateBody, EndpointListQuery, EndpointParams, EndpointPatchBody, EndpointRotateBody } from './schemas.js';

const READ = { scope: 'events:read' } as const;
const TAGS = ['events'];
// Before the body is parsed: a key limited to categories is refused whatever it sends.
const WRITE = { config: { scope: 'events:write' as const }, preParsing: async (request: FastifyRequest) => requireAllCategories(request) };
const ENDPOINT = withExample(EndpointAnswer, endpointExample);
const NEW_ENDPOINT = withExample(EndpointAnswer, newEndpointExample);
const ALL_CATEGORIES = 'Endpoints see events of every category, so a key limited to categories may not use this.';

/** The secret is shown when it is made (create, rotate) and to `events:write` through its own route, never in reads or listings. */
function endpointJson(e: EventEndpointRecord, withSecret: boolean): EndpointAnswer {
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

function attemptJson(a: EventAttemptRecord): AttemptAnswer {
  return {
    message_id: a.messageId, type: a.type, attempt: a.attempt, result: a.result, at: new Date(a.time).toISOString(),
    ...(a.status !== undefined ? { status: a.status } : {}), ...(a.error !== undefined ? { error: a.error } : {}),
  };
}

/**
 * The event webhooks API, registered under `/v1`: app backends register URLs (`/event-endpoints`)
 * that receive Herald's events (push delivery outcomes, device invalidations, notify channel
 * states) as Standard Webhooks signed POSTs. Endpoints see events of every category, so keys
 * limited to categories may not manage them.
 */
export function registerEventsFace(app: FastifyInstance, deps: HttpDeps): void {
  const service = deps.eventEndpoints;
  if (!service) return;
  const endpoints: EventEndpointService = service;
  const api = schemaRoutes(app);

  api.get('/event-types', {
    schema: { summary: 'Event types', description: 'The event types an endpoint may subscribe to (or `*` for all).', tags: TAGS, response: { 200: withExample(EventTypesAnswer, { types: [...EVENT_TYPES] }), ...ERROR_ANSWERS } },
    config: READ,
  }, async (_request, reply) => reply.send({ types: [...EVENT_TYPES] }));

  api.post('/event-endpoints', {
    schema: {
      summary: 'Register an event endpoint',
      description: `The answer carries the signing secret. ${ALL_CATEGORIES}`,
      tags: TAGS,
      body: withExample(EndpointCreateBody, endpointCreateExample),
      response: { 201: NEW_ENDPOINT, ...ERROR_ANSWERS },
    },
    ...WRITE,
  }, async (request, reply) => {
    const body = request.body;
    const ctx = auditContext(request);
    const created = await endpoints.create(body, ctx.actor);
    await deps.auditTrail.record(ctx, 'event-endpoint.create', created.id, { url: created.url, events: created.events });
    return reply.code(201).send(endpointJson(created, true));
  });

  api.get('/event-endpoints', {
    schema: { summary: 'List event endpoints', description: ALL_CATEGORIES, tags: TAGS, querystring: EndpointListQuery, response: { 200: withExample(EndpointListAnswer, endpointListExample), ...ERROR_ANSWERS } },
    config: READ,
  }, async (request, reply) => {
    requireAllCategories(request);
    const q = request.query;
    const page = await endpoints.list({ ...(q.cursor !== undefined ? { cursor: q.cursor } : {}), limit: q.limit ?? 100 });
    return reply.send({ endpoints: page.endpoints.map((e) => endpointJson(e, false)), ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}) });
  });

  api.get('/event-endpoints/:id', {
    schema: { summary: 'Get an event endpoint', description: ALL_CATEGORIES, tags: TAGS, params: EndpointParams, response: { 200: ENDPOINT, ...ERROR_ANSWERS } },
    config: READ,
  }, async (request, reply) => {
    requireAllCategories(request);
    return reply.send(endpointJson(await endpoints.get(request.params.id), false));
  });

  // Whoever may only read endpoints may not read the key that lets anyone forge Herald's events.
  api.get('/event-endpoints/:id/secret', {
    schema: {
      summary: "An event endpoint's signing secret",
      description: `Needs events:write: the secret lets its holder forge Herald's events. ${ALL_CATEGORIES}`,
      tags: TAGS,
      params: EndpointParams,
      response: { 200: withExample(EndpointSecretAnswer, secretExample), ...ERROR_ANSWERS },
    },
    ...WRITE,
  }, async (request, reply) => {
    const e = await endpoints.get(request.params.id);
    return reply.send({
      secret: e.secret,
      ...(e.previousSecret && e.previousSecretExpires > deps.clock.now() ? { previous_secret: e.previousSecret, previous_secret_expires_at: new Date(e.previousSecretExpires).toISOString() } : {}),
    });
  });

  api.patch('/event-endpoints/:id', {
    schema: {
      summary: 'Change an event endpoint',
      description: `Fields left out keep their value; \`enabled: true\` switches an endpoint on again after failures. ${ALL_CATEGORIES}`,
      tags: TAGS,
      params: EndpointParams,
      body: withExample(EndpointPatchBody, { events: ['push.delivery.failed', 'device.invalidated'], enabled: true }),
      response: { 200: ENDPOINT, ...ERROR_ANSWERS },
    },
    ...WRITE,
  }, async (request, reply) => {
    const { id } = request.params;
    const updated = await endpoints.update(id, request.body);
    await deps.auditTrail.record(auditContext(request), 'event-endpoint.update', id, { ...request.body });
    return reply.send(endpointJson(updated, false));
  });

  api.delete('/event-endpoints/:id', {
    schema: { summary: 'Remove an event endpoint', description: ALL_CATEGORIES, tags: TAGS, params: EndpointParams, response: { 204: Type.Null({ description: 'Removed' }), ...ERROR_ANSWERS } },
    ...WRITE,
  }, async (request, reply) => {
    const { id } = request.params;
    await endpoints.remove(id);
    await deps.auditTrail.record(auditContext(request), 'event-endpoint.delete', id);
    return reply.code(204).send(null);
  });

  api.post('/event-endpoints/:id/rotate-secret', {
    schema: {
      summary: "Rotate an event endpoint's secret",
      description: `A new secret signs from now on; the old one signs beside it for \`overlap\` (default 24h, at most 7d), so the receiver can switch without missing a message. ${ALL_CATEGORIES}`,
      tags: TAGS,
      params: EndpointParams,
      body: withExample(EndpointRotateBody, { overlap: '24h' }),
      response: { 200: NEW_ENDPOINT, ...ERROR_ANSWERS },
    },
    ...WRITE,
  }, async (request, reply) => {
    const { id } = request.params;
    const { overlap } = request.body;
    let overlapMs = DEFAULT_ROTATION_OVERLAP_MS;
    if (overlap !== undefined) {
      const ms = parseHumanDuration(overlap);
      if (ms === undefined || ms < 0 || ms > 7 * 24 * 3600_000) throw new HeraldError('badRequest', { detail: `overlap: '${overlap}' is not a duration of at most 7d` });
      overlapMs = ms;
    }
    const rotated = await endpoints.rotateSecret(id, overlapMs);
    await deps.auditTrail.record(auditContext(request), 'event-endpoint.rotate-secret', id, { overlap_ms: overlapMs });
    return reply.send(endpointJson(rotated, true));
  });

  api.get('/event-endpoints/:id/attempts', {
    schema: {
      summary: "An event endpoint's delivery attempts",
      description: `Recent attempts, newest first. ${ALL_CATEGORIES}`,
      tags: TAGS,
      params: EndpointParams,
      querystring: AttemptsQuery,
      response: { 200: withExample(AttemptsAnswer, attemptsExample), ...ERROR_ANSWERS },
    },
    config: READ,
  }, async (request, reply) => {
    requireAllCategories(request);
    return reply.send({ attempts: (await endpoints.attempts(request.params.id, request.query.limit ?? 100)).map(attemptJson) });
  });
}
