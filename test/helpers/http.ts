/** What a test's HTTP call got back: the status, the first JSON line of the body (if it is JSON), the text and the headers. */
export interface HttpAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever shape the route answers
  json: any;
  text: string;
  headers: Headers;
}

export interface HttpCallOptions {
  /** The whole Authorization header value, e.g. from `basic(user, pass)`. */
  auth?: string;
  /** A string or bytes go as they are; anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** One request to a test server; a body that is not JSON leaves `json` undefined. */
export async function httpCall(baseUrl: string, method: string, path: string, options: HttpCallOptions = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.auth) headers.Authorization = options.auth;
  const b = options.body;
  const body = b === undefined ? undefined : typeof b === 'string' || b instanceof Uint8Array ? b : JSON.stringify(b);
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text.split('\n')[0] ?? '');
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}
