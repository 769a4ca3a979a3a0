/** What the hand-written helpers share with the generated client: where Herald is and how to call it. */
export interface ClientContext {
  /** Herald's base URL, without a trailing slash. */
  baseUrl: string;
  /** The `Authorization` header value, when the client has credentials. */
  authorization: string | undefined;
  fetch: (input: Request) => Promise<Response>;
}

/** The shape of every Herald error answer (`{ code, http, error, link? }`). */
export interface HeraldErrorBody {
  code: number;
  http: number;
  error: string;
  link?: string;
}

/** A non-2xx answer from Herald, with its error body when it sent one. */
export class HeraldHttpError extends Error {
  readonly status: number;
  readonly body: HeraldErrorBody | undefined;

  constructor(status: number, body: HeraldErrorBody | undefined) {
    super(body ? `Herald answered ${status} (${body.code}): ${body.error}` : `Herald answered ${status}`);
    this.name = 'HeraldHttpError';
    this.status = status;
    this.body = body;
  }

  /** Whether asking again may help: rate limits, timeouts and server errors, not bad requests or credentials. */
  get retryable(): boolean {
    return this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/** The answer as a HeraldHttpError (reading its body), for a response that is not 2xx. */
export async function httpError(res: Response): Promise<HeraldHttpError> {
  let body: HeraldErrorBody | undefined;
  try {
    const parsed = JSON.parse(await res.text()) as Partial<HeraldErrorBody>;
    if (typeof parsed.code === 'number' && typeof parsed.error === 'string') body = parsed as HeraldErrorBody;
  } catch {
    // Not JSON (a proxy's page, say): the status alone says what happened.
  }
  return new HeraldHttpError(res.status, body);
}

/** Sends a JSON request and reads the JSON answer, throwing HeraldHttpError on a non-2xx status. */
export async function requestJson<T>(ctx: ClientContext, method: string, path: string, body?: unknown, authorization = ctx.authorization): Promise<T> {
  const headers = new Headers({ accept: 'application/json' });
  if (authorization) headers.set('authorization', authorization);
  if (body !== undefined) headers.set('content-type', 'application/json');
  const res = await ctx.fetch(new Request(ctx.baseUrl + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }));
  if (!res.ok) throw await httpError(res);
  return (await res.json()) as T;
}

/** `Bearer <secret>`: API keys (`hk_…`), access tokens (`tk_…`) and subscriber tokens (`st_…`) all go this way. */
export function bearer(secret: string): string {
  return /^bearer /i.test(secret) ? secret : `Bearer ${secret}`;
}

/** A path segment, escaped. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
