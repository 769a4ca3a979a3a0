import { useSyncExternalStore } from 'react';
import { ApiError, authorizationHeader, request, type Credentials } from '../../shared/api.js';
import { baseUrl } from '../../shared/server-config.js';

/**
 * Who is logged in to this server in this browser: the user name and an access token made at
 * login (`POST /v1/account/token`). The password itself is never kept. The session is in
 * localStorage, so every tab of the app shares it, and a login or logout in one tab reaches the
 * others through the `storage` event.
 */
export interface Session { username: string; token: string }

const STORAGE_KEY = 'herald.session';
/** The label the login token gets, so the account page can tell it from tokens made by hand. */
export const SESSION_TOKEN_LABEL = 'Herald web app';

let current: Session | undefined = readStored();
const listeners = new Set<() => void>();

function readStored(): Session | undefined {
  try {
    const raw = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (!raw) return undefined;
    const value = JSON.parse(raw) as Partial<Session>;
    return typeof value.username === 'string' && typeof value.token === 'string' ? { username: value.username, token: value.token } : undefined;
  } catch {
    return undefined;
  }
}

function publish(next: Session | undefined, store = true): void {
  current = next;
  if (store) {
    if (next) localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    else localStorage.removeItem(STORAGE_KEY);
  }
  for (const listener of listeners) listener();
}

globalThis.addEventListener?.('storage', (event: StorageEvent) => {
  if (event.key === STORAGE_KEY || event.key === null) publish(readStored(), false);
});

export function getSession(): Session | undefined {
  return current;
}

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The session as React state: re-renders on login and logout (in any tab). */
export function useSession(): Session | undefined {
  return useSyncExternalStore(onSessionChange, getSession, getSession);
}

/** The credentials for calls to this server: the session's token, or none. */
export function sessionCredentials(): Credentials {
  return current ? { kind: 'bearer', token: current.token } : undefined;
}

/**
 * The credentials for a server: the session's for this one (the only one the app logs in to),
 * none for others.
 */
export function credentialsFor(server: string = baseUrl): Credentials {
  return sameServer(server, baseUrl) ? sessionCredentials() : undefined;
}

export function sameServer(a: string, b: string): boolean {
  return a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();
}

/**
 * `?auth=` for a stream URL (EventSource and WebSocket cannot send headers): the base64url,
 * without padding, of the whole Authorization header value, as ntfy's web app sends it.
 * Empty when there are no credentials.
 */
export function authQueryValue(credentials: Credentials): string {
  const header = authorizationHeader(credentials);
  if (!header) return '';
  const bytes = new TextEncoder().encode(header);
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Adds `auth=` to a stream URL when the server has credentials in this browser. */
export function withStreamAuth(url: string, server: string = baseUrl): string {
  const value = authQueryValue(credentialsFor(server));
  if (!value) return url;
  return `${url}${url.includes('?') ? '&' : '?'}auth=${value}`;
}

interface TokenAnswer { token: string; label?: string; last_access: number; last_origin?: string; expires?: number }

/** Logs in: the password proves who the user is once, for a token the app keeps instead. */
export async function login(username: string, password: string): Promise<Session> {
  const answer = await request<TokenAnswer>('/v1/account/token', {
    method: 'POST',
    body: { label: SESSION_TOKEN_LABEL },
    credentials: { kind: 'basic', username, password },
  });
  const session = { username, token: answer.token };
  publish(session);
  return session;
}

/** Signs up (`POST /v1/account`), then logs in with the same name and password. */
export async function signUp(username: string, password: string): Promise<Session> {
  await request('/v1/account', { method: 'POST', body: { username, password } });
  return login(username, password);
}

/**
 * Logs out: the token is deleted on the server, then forgotten here. A token the server no
 * longer knows (401) is forgotten all the same; other failures are reported, and the session is
 * forgotten anyway so the user is never stuck logged in.
 */
export async function logout(): Promise<void> {
  const session = current;
  if (!session) return;
  try {
    await request('/v1/account/token', { method: 'DELETE', credentials: { kind: 'bearer', token: session.token } });
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) {
      publish(undefined);
      throw err;
    }
  }
  publish(undefined);
}

/** Forgets the session without asking the server (its token was refused or the account deleted). */
export function forgetSession(): void {
  if (current) publish(undefined);
}

/**
 * Extends the session's token by the server's default (PATCH with nothing set), so a user who
 * keeps using the app stays logged in. Answers false when the server refused the token (the
 * session is then forgotten).
 */
export async function extendSession(): Promise<boolean> {
  const session = current;
  if (!session) return false;
  try {
    await request('/v1/account/token', { method: 'PATCH', body: {}, credentials: { kind: 'bearer', token: session.token } });
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      forgetSession();
      return false;
    }
    throw err;
  }
}
