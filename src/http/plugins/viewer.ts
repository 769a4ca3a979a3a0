import type { FastifyRequest } from 'fastify';
import { HeraldError } from '../../errors/index.js';
import { auditContext } from './audit-context.js';

/** The caller as a reader of what was sent: who it is, and the categories its key is limited to. */
export interface Viewer {
  /** The sender identity stored with what a caller sends (`key:<id>`, `user:<name>`). */
  actor: string;
  /** Undefined for admin users and keys limited to no category: they see every category. */
  categories?: readonly string[];
}

export function viewerOf(request: FastifyRequest): Viewer {
  const key = request.principal.apiKey;
  const actor = auditContext(request).actor;
  return request.principal.role !== 'admin' && key && key.categories.length > 0 ? { actor, categories: key.categories } : { actor };
}

/**
 * For routes whose answer mixes every category (push stats, dead letters): a key limited to
 * categories is refused rather than shown other categories' pushes, tokens or counts.
 */
export function requireAllCategories(request: FastifyRequest): void {
  const categories = viewerOf(request).categories;
  if (categories) throw new HeraldError('categoriesLimited', { detail: `the key may only act in ${categories.join(', ')}` });
}
