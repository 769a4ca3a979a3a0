import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { HttpDeps } from '../deps.js';
import { sendJson } from '../account/account-routes.js';

const AuditQuery = Type.Object({
  since: Type.Optional(Type.Integer({ minimum: 0, description: 'Unix seconds' })),
  actor: Type.Optional(Type.String({ maxLength: 200 })),
  action: Type.Optional(Type.String({ maxLength: 100 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});

/** `GET /v1/audit`: the audit log, newest first (admins and keys with `audit:read`). */
export function registerAuditRoutes(app: FastifyInstance, deps: HttpDeps): void {
  app.get('/v1/audit', { schema: { querystring: AuditQuery }, config: { scope: 'audit:read' } }, async (request, reply) => {
    const q = request.query as { since?: number; actor?: string; action?: string; limit?: number };
    const entries = await deps.audit.query({
      limit: q.limit ?? 100,
      ...(q.since !== undefined ? { since: q.since * 1000 } : {}),
      ...(q.actor !== undefined ? { actor: q.actor } : {}),
      ...(q.action !== undefined ? { action: q.action } : {}),
    });
    return sendJson(reply, entries.map((e) => ({ id: e.id, time: Math.floor(e.time / 1000), actor: e.actor, action: e.action, target: e.target || undefined, address: e.address || undefined, details: e.details })));
  });
}
