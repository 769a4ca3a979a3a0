import type { Clock } from '../../../ports/clock.js';
import { CachedAccessToken, requestToken, type TokenRequestOptions } from '../oauth/cached-token.js';

export interface HmsCredentials {
  clientId: string;
  clientSecret: string;
  /** Huawei's OAuth endpoint, e.g. https://oauth-login.cloud.huawei.com/oauth2/v3/token (configurable for tests). */
  tokenUrl: string;
}

/** HMS Push Kit's client-credentials token (valid one hour), cached until shortly before expiry. */
export function createHmsAccessToken(credentials: HmsCredentials, clock: Clock, options: TokenRequestOptions = {}): CachedAccessToken {
  return new CachedAccessToken(
    () => requestToken(credentials.tokenUrl, { grant_type: 'client_credentials', client_id: credentials.clientId, client_secret: credentials.clientSecret }, 'hms', options),
    clock,
  );
}
