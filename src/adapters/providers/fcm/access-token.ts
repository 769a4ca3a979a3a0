import type { Clock } from '../../../ports/clock.js';
import { privateKeyFromPem, signJwt } from '../jwt/jwt.js';
import { CachedAccessToken, requestToken, type TokenRequestOptions } from '../oauth/cached-token.js';

/** The fields of a Firebase service-account JSON file that sending needs. */
export interface ServiceAccount {
  project_id: string;
  client_email: string;
  private_key: string;
  token_uri: string;
}

const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const ASSERTION_LIFETIME_S = 3600;

/** Checks a parsed service-account file, naming the missing or wrong fields. */
export function parseServiceAccount(json: unknown): ServiceAccount {
  const o = (json ?? {}) as Record<string, unknown>;
  const missing = ['project_id', 'client_email', 'private_key', 'token_uri'].filter((k) => typeof o[k] !== 'string' || o[k] === '');
  if (missing.length > 0) throw new Error(`fcm service account: missing ${missing.join(', ')}`);
  return { project_id: o.project_id as string, client_email: o.client_email as string, private_key: o.private_key as string, token_uri: o.token_uri as string };
}

/**
 * FCM's OAuth 2.0 access token for a service account: an RS256 JWT assertion (RFC 7523) is
 * exchanged at the account's token URI, and the token is cached until shortly before expiry.
 */
export function createFcmAccessToken(account: ServiceAccount, clock: Clock, options: TokenRequestOptions = {}): CachedAccessToken {
  const key = privateKeyFromPem(account.private_key, 'fcm service account private_key');
  return new CachedAccessToken(() => {
    const iat = Math.floor(clock.now() / 1000);
    const assertion = signJwt(
      { alg: 'RS256', typ: 'JWT' },
      { iss: account.client_email, scope: FCM_SCOPE, aud: account.token_uri, iat, exp: iat + ASSERTION_LIFETIME_S },
      key,
    );
    return requestToken(account.token_uri, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }, 'fcm', options);
  }, clock);
}
