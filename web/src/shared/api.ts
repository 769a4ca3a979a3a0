import { baseUrl } from './server-config.js';

/** Herald's one error shape, as every route answers it. */
export interface ErrorBody { code: number; http: number; error: string; link?: string }

/**
 * A failed call, worded for the person looking at the screen: `message` is what to show,
 * `status`/`code` let a screen react (401 → the login prompt), `retryAfter` (seconds) comes from
 * a 429's Retry-After.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: number,
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Credentials =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string }
  | undefined;

export function authorizationHeader(credentials: Credentials): string | undefined {
  if (!credentials) return undefined;
  if (credentials.kind === 'bearer') return `Bearer ${credentials.token}`;
  const bytes = new TextEncoder().encode(`${credentials.username}:${credentials.password}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

export interface RequestOptions {
  method?: string;
  body?: BodyInit | object | null;
  headers?: Record<string, string>;
  credentials?: Credentials;
  /** Another server's origin (a subscription elsewhere); the page's own by default. */
  server?: string;
  signal?: AbortSignal;
}

/** Calls Herald and returns the parsed JSON answer (or the text when it is not JSON). */
export async function request<T = unknown>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { ...options.headers };
  const auth = authorizationHeader(options.credentials);
  if (auth) headers.authorization = auth;
  let body = options.body as BodyInit | null | undefined;
  if (body !== undefined && body !== null && isPlainObject(body)) {
    body = JSON.stringify(body);
    headers['content-type'] ??= 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(`${(options.server ?? baseUrl).replace(/\/+$/, '')}${path}`, {
      method: options.method ?? (body ? 'POST' : 'GET'), headers, body, signal: options.signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError('The server could not be reached. Check your connection and try again.', 0);
  }
  const text = await res.text();
  const json = parseJson(text);
  if (!res.ok) throw errorFrom(res, json);
  return (json ?? text) as T;
}

/** Words for a failed answer; Herald's own message when it gave one. */
export function errorFrom(res: Response, json: unknown): ApiError {
  const body = isErrorBody(json) ? json : undefined;
  const retry = Number(res.headers.get('retry-after'));
  const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : undefined;
  return new ApiError(describeFailure(res.status, body?.error, retryAfter), res.status, body?.code, retryAfter);
}

export function describeFailure(status: number, serverMessage: string | undefined, retryAfter?: number): string {
  const detail = serverMessage ? `: ${serverMessage}` : '';
  switch (status) {
    case 401: return `Login required${detail}`;
    case 403: return `Not allowed${detail}`;
    case 404: return `Not found${detail}`;
    case 413: return `Too large${detail}`;
    case 429: return `Too many requests${detail}. ${retryAfter ? `Try again in ${retryAfter} s.` : 'Try again later.'}`;
    default: return status >= 500 ? `The server failed (${status})${detail}` : `Request refused (${status})${detail}`;
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  return typeof value === 'object' && value !== null && typeof (value as ErrorBody).error === 'string';
}

function isPlainObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype || Array.isArray(value);
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
