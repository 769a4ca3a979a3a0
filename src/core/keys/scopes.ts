import { HeraldError } from '../../errors/index.js';

/**
 * What an API key may do, one scope per API family and verb. `admin` covers every scope.
 * New /v1 families add their scopes here; every route declares the one it needs.
 */
export const API_SCOPES = [
  'devices:read',
  'devices:write',
  'push:send',
  'push:read',
  'subscribers:read',
  'subscribers:write',
  'templates:read',
  'templates:write',
  'notify:send',
  'notify:read',
  'dlq:read',
  'dlq:write',
  'stats:read',
  'audit:read',
  'events:read',
  'events:write',
  'keys:write',
  'admin',
] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/**
 * How a route is protected, declared next to it (`config: { scope }`):
 * an API scope, `public` (no credentials needed), `topics` (ntfy's per-topic ACL) or
 * `account` (a logged-in topics-face user, or anonymous where the route allows it), or
 * `subscriber` (an API key with the route's scope, or a subscriber token checked by the route).
 */
export type RouteScope = ApiScope | 'public' | 'topics' | 'account' | 'subscriber';

const FAMILY_WILDCARDS = new Set(API_SCOPES.map((s) => s.split(':')[0]!));

/** Parses `push:send,devices:write` (also `devices:*` for every verb of a family). */
export function parseScopes(text: string): ApiScope[] {
  const out = new Set<ApiScope>();
  for (const raw of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (raw.endsWith(':*') && FAMILY_WILDCARDS.has(raw.slice(0, -2))) {
      for (const s of API_SCOPES) if (s.startsWith(raw.slice(0, -1))) out.add(s);
      continue;
    }
    if (!(API_SCOPES as readonly string[]).includes(raw)) {
      throw new HeraldError('badRequest', { detail: `unknown scope '${raw}'; known: ${API_SCOPES.join(', ')}` });
    }
    out.add(raw as ApiScope);
  }
  if (out.size === 0) throw new HeraldError('badRequest', { detail: 'at least one scope is required' });
  return [...out];
}

export function isApiScope(scope: RouteScope): scope is ApiScope {
  return (API_SCOPES as readonly string[]).includes(scope);
}

/** True when a key with `granted` scopes may use a route needing `required`. */
export function scopeAllows(granted: readonly string[], required: ApiScope): boolean {
  return granted.includes('admin') || granted.includes(required);
}
