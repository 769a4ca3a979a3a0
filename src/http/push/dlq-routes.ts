import { HeraldError } from '../../errors/index.js';
import type { HttpDeps } from '../deps.js';
import { ERROR_ANSWERS } from '../openapi/error-schema.js';
import { auditContext } from '../plugins/audit-context.js';
import { withExample, type SchemaApp } from '../plugins/schema-routes.js';
import { requireAllCategories } from '../plugins/viewer.js';
import { deadDeliveriesExample, dlqReplayExample } from './examples.js';
import { deliveryJson } from './json.js';
import { DeadDeliveriesAnswer, ReplayAnswer } from './responses.js';
import { DlqQuery, DlqReplayBody } from './schemas.js';

const TAGS = ['dlq'];

/** `/v1/dlq`: dead deliveries with their last error, and replay. */
export function registerDlqRoutes(app: SchemaApp, deps: HttpDeps): void {
  const { push } = deps;

  app.get('/dlq', {
    schema: {
      summary: 'List dead deliveries',
      description: 'Deliveries that ran out of attempts, with their last error. Needs a key limited to no categories.',
      tags: TAGS,
      querystring: DlqQuery,
      response: { 200: withExample(DeadDeliveriesAnswer, deadDeliveriesExample), ...ERROR_ANSWERS },
    },
    config: { scope: 'dlq:read' },
  }, async (request, reply) => {
    requireAllCategories(request);
    const q = request.query;
    const page = await push.deadLetters({ ...q, limit: q.limit ?? 100 });
    return reply.send({
      deliveries: page.deliveries.map((d) => ({ ...deliveryJson(d), push: d.pushId })),
      ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}),
    });
  });

  app.post('/dlq/replay', {
    schema: {
      summary: 'Replay dead deliveries',
      description: 'Queues dead deliveries again: the ones named by `ids`, or those of a provider and/or app (up to `limit`).',
      tags: TAGS,
      body: withExample(DlqReplayBody, dlqReplayExample),
      response: { 200: withExample(ReplayAnswer, { replayed: 42 }), ...ERROR_ANSWERS },
    },
    config: { scope: 'dlq:write' },
    // Before the body is checked: a key limited to categories is refused whatever it sends.
    preValidation: async (request) => requireAllCategories(request),
  }, async (request, reply) => {
    const body = request.body;
    if (body.ids && (body.provider || body.app)) throw new HeraldError('badRequest', { detail: 'give either ids, or a provider and/or app filter' });
    if (!body.ids && !body.provider && !body.app) throw new HeraldError('badRequest', { detail: 'give ids, or a provider and/or app filter' });
    const replayed = await push.replay(body.ids
      ? { ids: body.ids }
      : { ...(body.provider ? { provider: body.provider } : {}), ...(body.app ? { app: body.app } : {}), limit: body.limit ?? 10_000 });
    await deps.auditTrail.record(auditContext(request), 'dlq.replay', body.ids ? `${body.ids.length} ids` : `${body.provider ?? '*'}:${body.app ?? '*'}`, { replayed });
    return reply.send({ replayed });
  });
}
