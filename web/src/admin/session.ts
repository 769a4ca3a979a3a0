import { ApiError, request, type Credentials, type RequestOptions } from '../shared/api.js';

/**
 * Who the console acts as: an admin user of the topics face (Basic) or an API key (Bearer).
 * Kept in sessionStorage, so closing the tab logs out.
 */
const KEY = 'herald.admin.credentials';

export function loadCredentials(): Credentials {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Credentials) : undefined;
  } catch {
    return undefined;
  }
}

export function saveCredentials(credentials: Credentials): void {
  if (credentials) sessionStorage.setItem(KEY, JSON.stringify(credentials));
  else sessionStorage.removeItem(KEY);
}

/** The console's API calls: every one carries the session's credentials. */
export interface Api {
  credentials: Credentials;
  call<T = unknown>(path: string, options?: Omit<RequestOptions, 'credentials'>): Promise<T>;
}

/**
 * A 401 from any screen means the credentials no longer work (a key revoked, a password changed):
 * `unauthorized` takes the console back to the login form, which says why.
 */
export function apiFor(credentials: Credentials, unauthorized: (err: ApiError) => void = () => {}): Api {
  return {
    credentials,
    call: async (path, options = {}) => {
      try {
        return await request(path, { ...options, credentials });
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) unauthorized(err);
        throw err;
      }
    },
  };
}

/** Who the credentials belong to, as `GET /v1/whoami` answers: an admin user or a key with its scopes. */
export interface Identity { kind: 'user' | 'key'; name: string; role: 'admin' | 'user'; scopes: string[]; categories: string[] }

/** Checks credentials and learns what they may do (the console shows only those sections). */
export function whoami(credentials: Credentials): Promise<Identity> {
  return request<Identity>('/v1/whoami', { credentials });
}
