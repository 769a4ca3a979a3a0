import type { FastifyInstance } from 'fastify';
import { HeraldError } from '../../errors/index.js';
import type { Provider } from '../../ports/device-store.js';
import type { HttpDeps } from '../deps.js';
import { sendJson } from '../account/account-routes.js';
import { jsonBody } from '../account/json-body.js';
import { auditContext } from '../plugins/audit-context.js';
import { requireAllCategories } from '../plugins/viewer.js';
import { deliveryJson } from './json.js';
import { DlqQuery, DlqReplayBody } from './schemas.js';

/** `/v1/dlq`: dead deliveries with their last error, and replay. */
export function registerDlqRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const { push } = deps;

  app.get('/v1/dlq', { schema: { querystring: DlqQuery }, config: { scope: 'dlq:read' } }, async (request, reply) => {
    requireAllCategories(request);
    const q = request.query as { provider?: Provider; app?: string; limit?: number; cursor?: string };
    const page = await push.deadLetters({ ...q, limit: q.limit ?? 100 });
    return sendJson(reply, {
      deliveries: page.deliveries.map((d) => ({ ...deliveryJson(d), push: d.pushId })),
      ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}),
    });
  });

  app.post('/v1/dlq/replay', { config: { scope: 'dlq:write' } }, async (request, reply) => {
    requireAllCategories(request);
    const body = jsonBody(request, DlqReplayBody);
    if (body.ids && (body.provider || body.app)) throw new HeraldError('badRequest', { detail: 'give either ids, or a provider and/or app filter' });
    if (!body.ids && !body.provider && !body.app) throw new HeraldError('badRequest', { detail: 'give ids, or a provider and/or app filter' });
    const replayed = await push.replay(body.ids
      ? { ids: body.ids }
      : { ...(body.provider ? { provider: body.provider } : {}), ...(body.app ? { app: body.app } : {}), limit: body.limit ?? 10_000 });
    await deps.auditTrail.record(auditContext(request), 'dlq.replay', body.ids ? `${body.ids.length} ids` : `${body.provider ?? '*'}:${body.app ?? '*'}`, { replayed });
    return sendJson(reply, { replayed });
  });
}
