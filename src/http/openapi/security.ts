import { isApiScope, type RouteScope } from '../../core/keys/scopes.js';

/** The ways a caller proves who it is, as OpenAPI security schemes. */
export const SECURITY_SCHEMES = {
  apiKey: {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (`hk_…`), as `Authorization: Bearer hk_…` or as the Basic password with an empty user name. '
      + 'Each operation names the one scope its key needs; a key with `admin` has them all, and so has an admin user of the topics face.',
  },
  subscriberToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'A subscriber token (`st_…`, from `POST /v1/subscriber-tokens`), sent with `X-Herald-Subscriber` naming the subscriber it was issued for.',
  },
  userBasic: { type: 'http', scheme: 'basic', description: 'A topics-face (ntfy) user name and password.' },
  userToken: { type: 'http', scheme: 'bearer', description: 'A topics-face (ntfy) user access token (`tk_…`); also accepted as `?auth=`.' },
} as const;

type Requirement = Partial<Record<keyof typeof SECURITY_SCHEMES, string[]>>;

/**
 * The OpenAPI security of a route, from the scope it declares. An API scope is listed as the
 * role the key must hold (OpenAPI 3.1 allows roles for non-OAuth schemes); `{}` marks routes
 * anonymous callers may use.
 */
export function securityOf(scope: RouteScope): Requirement[] {
  if (isApiScope(scope)) return [{ apiKey: [scope] }];
  switch (scope) {
    case 'public': return [];
    // ntfy's per-topic access control: anonymous where the topic allows it.
    case 'topics': return [{}, { userBasic: [] }, { userToken: [] }];
    case 'account': return [{ userBasic: [] }, { userToken: [] }];
    case 'subscriber': return [{ subscriberToken: [] }, { apiKey: [] }];
  }
}
