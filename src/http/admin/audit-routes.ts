import type { HttpDeps } from '../deps.js';
import { ERROR_ANSWERS } from '../openapi/error-schema.js';
import { withExample, type SchemaApp } from '../plugins/schema-routes.js';
import { auditExample } from './examples.js';
import { AuditAnswer } from './responses.js';
import { AuditQuery } from './schemas.js';

/** `GET /v1/audit`: the audit log, newest first (admins and keys with `audit:read`). */
export function registerAuditRoutes(app: SchemaApp, deps: HttpDeps): void {
  app.get('/audit', {
    schema: {
      summary: 'The audit log',
      description: 'Who changed what (users, grants, tokens, keys, endpoints, ...), newest first. Never secrets.',
      tags: ['admin'],
      querystring: AuditQuery,
      response: { 200: withExample(AuditAnswer, auditExample), ...ERROR_ANSWERS },
    },
    config: { scope: 'audit:read' },
  }, async (request, reply) => {
    const q = request.query;
    const entries = await deps.audit.query({
      limit: q.limit ?? 100,
      ...(q.since !== undefined ? { since: q.since * 1000 } : {}),
      ...(q.actor !== undefined ? { actor: q.actor } : {}),
      ...(q.action !== undefined ? { action: q.action } : {}),
    });
    return reply.send(entries.map((e) => ({
      id: e.id, time: Math.floor(e.time / 1000), actor: e.actor, action: e.action,
      ...(e.target ? { target: e.target } : {}), ...(e.address ? { address: e.address } : {}), details: e.details,
    })));
  });
}
