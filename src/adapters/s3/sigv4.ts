import { createHash, createHmac } from 'node:crypto';

/**
 * AWS Signature Version 4 for requests carried in the `Authorization` header: a pure function of
 * the request, the credentials and the time, with no I/O. It signs what the S3 client sends;
 * the unit test holds it to AWS's published test vectors, each intermediate string included,
 * because a server answers every mistake with the same `SignatureDoesNotMatch`.
 *
 * Two choices follow S3 rather than the generic algorithm: the path is taken as already encoded
 * (S3 does not encode it a second time, and it does not collapse `//` or `.` segments), and the
 * caller passes the payload hash, so a body is hashed once (or sent `UNSIGNED-PAYLOAD`).
 */

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SigningScope {
  region: string;
  /** `s3` for S3; the published test suite uses `service`. */
  service: string;
}

export interface RequestToSign {
  method: string;
  /** Host, with the port when it is not the scheme's default, as it goes out in the `Host` header. */
  host: string;
  /** The path exactly as it goes out on the request line, percent-encoded already. */
  path: string;
  /** Query parameters, decoded; an empty value signs as `name=`. */
  query?: readonly (readonly [string, string])[];
  /** Headers to sign besides `host` and `x-amz-date`, which are added. A list is one header given several times. */
  headers?: Readonly<Record<string, string | readonly string[]>>;
  /** Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`. */
  payloadHash: string;
}

export interface SignedRequest {
  /** Headers to send: every signed header (`host` aside, which the HTTP client writes) and `authorization`. */
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
}

export const EMPTY_PAYLOAD_HASH = createHash('sha256').update('').digest('hex');

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** RFC 3986 percent-encoding of everything but the unreserved characters, with upper-case hex: SigV4's `UriEncode`. */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `20150830T123600Z`: the ISO 8601 basic form SigV4 signs. */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function canonicalQuery(query: readonly (readonly [string, string])[]): string {
  const pairs = query.map(([name, value]) => [uriEncode(name), uriEncode(value)] as const);
  // Sorted by the encoded name, then value, comparing code units (byte order for this ASCII text).
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

/** Trims each value and folds runs of spaces into one; several values of one header join with commas in the order given. */
function canonicalHeaderValue(value: string | readonly string[]): string {
  const values = typeof value === 'string' ? [value] : value;
  return values.map((v) => v.trim().replace(/ +/g, ' ')).join(',');
}

/** The signing key depends on the day only; a day's key is kept to save four HMACs per request. */
const keyCache = new Map<string, Buffer>();

function signingKey(secret: string, day: string, scope: SigningScope): Buffer {
  const cacheKey = `${day}\0${scope.region}\0${scope.service}\0${secret}`;
  const cached = keyCache.get(cacheKey);
  if (cached) return cached;
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), scope.region), scope.service), 'aws4_request');
  if (keyCache.size > 16) keyCache.clear();
  keyCache.set(cacheKey, key);
  return key;
}

export function signRequest(request: RequestToSign, credentials: SigningCredentials, scope: SigningScope, date: Date): SignedRequest {
  const stamp = amzDate(date);
  const day = stamp.slice(0, 8);
  const headers = new Map<string, string | readonly string[]>();
  for (const [name, value] of Object.entries(request.headers ?? {})) headers.set(name.toLowerCase(), value);
  headers.set('host', request.host);
  headers.set('x-amz-date', stamp);
  const names = [...headers.keys()].sort();
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    request.method.toUpperCase(),
    request.path || '/',
    canonicalQuery(request.query ?? []),
    ...names.map((name) => `${name}:${canonicalHeaderValue(headers.get(name)!)}`),
    '',
    signedHeaders,
    request.payloadHash,
  ].join('\n');
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', stamp, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const signature = createHmac('sha256', signingKey(credentials.secretAccessKey, day, scope)).update(stringToSign).digest('hex');
  const out: Record<string, string> = {};
  for (const name of names) {
    if (name === 'host') continue;
    out[name] = canonicalHeaderValue(headers.get(name)!);
  }
  out.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { headers: out, canonicalRequest, stringToSign, signature };
}
