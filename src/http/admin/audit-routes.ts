import { auditQueryOf } from '../../core/audit/audit-query.js';
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
      description: 'Who changed what (users, grants, tokens, keys, endpoints, ...), newest first. Never secrets. Filters combine: `action` and `actor` match exactly (`user:ben`, `key:key_…`, `cli`), `since` and `until` (Unix seconds, both inclusive) bound the time.',
      tags: ['admin'],
      querystring: AuditQuery,
      response: { 200: withExample(AuditAnswer, auditExample), ...ERROR_ANSWERS },
    },
    config: { scope: 'audit:read' },
  }, async (request, reply) => {
    const entries = await deps.audit.query(auditQueryOf(request.query));
    return reply.send(entries.map((e) => ({
      id: e.id, time: Math.floor(e.time / 1000), actor: e.actor, action: e.action,
      ...(e.target ? { target: e.target } : {}), ...(e.address ? { address: e.address } : {}), details: e.details,
    })));
  });
}
