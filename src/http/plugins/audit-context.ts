import type { FastifyRequest } from 'fastify';
import type { AuditContext } from '../../core/audit/audit-trail.js';

/** The audit identity of an HTTP caller: the user, the API key, or anonymous, and the address. */
export function auditContext(request: FastifyRequest): AuditContext {
  const p = request.principal;
  const actor = p.apiKey ? `key:${p.apiKey.id}` : p.userId !== null ? `user:${p.name}` : 'anonymous';
  return { actor, address: request.ip };
}
