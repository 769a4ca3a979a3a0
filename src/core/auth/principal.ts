/** Who is making a request, once credentials are checked. */
export interface Principal {
  /** null for anonymous callers (ntfy's `*` user). */
  userId: string | null;
  name: string;
  role: 'admin' | 'user' | 'anonymous';
  /** The user's tier (its id), when they have one: their limits are the tier's. */
  tierId?: string;
  /** The token the request authenticated with, if any (for DELETE /v1/account/token). */
  token?: string;
  /** When that token expires (ms since the epoch); unset for tokens that never do. */
  expiresAt?: number;
  /** Set when the caller presented an API key (`Bearer hk_…`): its id, scopes and categories. */
  apiKey?: { id: string; scopes: readonly string[]; categories: readonly string[]; expiresAt?: number };
  /**
   * A subscriber token (`Bearer st_…`) presented for routes an app or browser calls on behalf of
   * one subscriber; unverified here, because only the route knows which subscriber it must be for.
   */
  subscriberToken?: string;
}

export const ANONYMOUS: Principal = Object.freeze({ userId: null, name: '*', role: 'anonymous' });
