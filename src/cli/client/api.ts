import { errorText, readText, request } from './http.js';
import { DEFAULT_SERVER, UsageError } from './target.js';

/** A server of the /v1 JSON APIs and the API key to call it with. */
export interface ApiTarget {
  server: string;
  key: string | undefined;
}

/** `--server` / `$HERALD_SERVER` and `--key` / `$HERALD_KEY`. */
export function apiTarget(values: { server?: string | undefined; key?: string | undefined }, env: NodeJS.ProcessEnv): ApiTarget {
  const server = (values.server || env.HERALD_SERVER || DEFAULT_SERVER).replace(/\/+$/, '');
  try {
    const url = new URL(server);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
  } catch {
    throw new UsageError(`invalid server URL '${server}'`);
  }
  return { server, key: values.key || env.HERALD_KEY || undefined };
}

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Calls a JSON route and returns the parsed answer; a non-2xx answer throws with the server's error text. */
export async function callApi<T>(target: ApiTarget, method: string, path: string, body?: unknown): Promise<T> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const response = await request(`${target.server}${path}`, {
    method,
    headers: { ...(target.key ? { Authorization: `Bearer ${target.key}` } : {}), ...(payload ? { 'Content-Type': 'application/json' } : {}) },
    ...(payload ? { body: payload } : {}),
  });
  const text = await readText(response);
  const status = response.statusCode ?? 0;
  if (status < 200 || status > 299) throw new ApiError(status, errorText(status, text));
  return (text.trim() === '' ? {} : JSON.parse(text)) as T;
}
