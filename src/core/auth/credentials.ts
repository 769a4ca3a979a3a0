import { HeraldError } from '../../errors/herald-error.js';

/** What a request presented as proof of identity, before any lookup in the account database. */
export type Credentials =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string };

const BASIC_PREFIX = 'basic ';
const BEARER_PREFIX = 'bearer ';

// Either alphabet, so both the base64url that ntfy's web app puts in `?auth=` and the standard
// base64 of hand-written URLs and Basic headers are understood.
const BASE64_TEXT = /^[A-Za-z0-9+/_-]*(={1,2})?$/;

// Usernames and passwords are compared byte for byte against UTF-8 data, so bytes that are not
// UTF-8 could never match anything; refusing them early keeps the failure an honest 401.
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// The outer `?auth=` layer only needs its scheme word read; any garbage after it fails later,
// the same as it would if it had come in the header.
const LENIENT_UTF8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Reads the credentials of a request.
 *
 * `authorizationHeader` is the `Authorization` header; `authQuery` is the `auth` (or
 * `authorization`) query parameter, which carries the base64url of a whole header value for
 * browser WebSockets, which cannot set headers. A non-empty header wins over the parameter.
 *
 * Returns undefined when there is nothing to authenticate with, including values of schemes
 * other than Basic and Bearer (web push `vapid …` and the like), which leave the request
 * anonymous. Throws `unauthorized` when credentials were clearly meant but cannot be read.
 */
export function parseCredentials(authorizationHeader: string | undefined, authQuery: string | undefined): Credentials | undefined {
  const value = headerValue(authorizationHeader, authQuery);
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  if (lower.startsWith(BASIC_PREFIX)) return parseBasic(value.slice(BASIC_PREFIX.length));
  if (lower.startsWith(BEARER_PREFIX)) return bearer(value.slice(BEARER_PREFIX.length));
  return undefined;
}

function headerValue(header: string | undefined, query: string | undefined): string | undefined {
  const direct = header?.trim();
  if (direct) return direct;
  const encoded = query?.trim();
  if (!encoded) return undefined;
  const bytes = decodeBase64(encoded);
  if (!bytes) throw new HeraldError('unauthorized', { detail: 'auth parameter is not base64' });
  // ntfy trims the decoded value too, so `base64url("Bearer tk_… ")` still works.
  return LENIENT_UTF8.decode(bytes).trim() || undefined;
}

function parseBasic(payload: string): Credentials {
  const bytes = decodeBase64(payload.trim());
  if (!bytes) throw new HeraldError('unauthorized', { detail: 'basic credentials are not base64' });
  let text: string;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    throw new HeraldError('unauthorized', { detail: 'basic credentials are not UTF-8' });
  }
  // Only the first colon separates: passwords may contain colons, usernames cannot.
  const colon = text.indexOf(':');
  if (colon < 0) throw new HeraldError('unauthorized', { detail: 'basic credentials have no colon' });
  const username = text.slice(0, colon);
  const password = text.slice(colon + 1);
  // No user name or token holds U+0000 (the API refuses it in both), and PostgreSQL could not even
  // look one up: an honest 401, as for bytes that are not UTF-8. A password is only hashed.
  if (username.includes('\u0000')) throw new HeraldError('unauthorized', { detail: 'the user name contains U+0000' });
  // Clients that only know Basic (many webhooks, curl -u :tk_…) send a token this way.
  if (username === '') return bearer(password);
  return { kind: 'basic', username, password };
}

function bearer(raw: string): Credentials {
  const token = raw.trim();
  if (!token) throw new HeraldError('unauthorized', { detail: 'empty token' });
  if (token.includes('\u0000')) throw new HeraldError('unauthorized', { detail: 'the token contains U+0000' });
  return { kind: 'bearer', token };
}

/**
 * Decodes base64 in either alphabet, padded or not. Buffer.from alone would skip any character it
 * does not know and return whatever remains, so the text is checked first.
 */
function decodeBase64(text: string): Buffer | undefined {
  if (!BASE64_TEXT.test(text)) return undefined;
  const body = text.replace(/=+$/, '');
  const remainder = body.length % 4;
  // A lone trailing character carries fewer than 8 bits: not something an encoder produces.
  if (remainder === 1) return undefined;
  const padding = text.length - body.length;
  if (padding > 0 && padding !== 4 - remainder) return undefined;
  return Buffer.from(body, 'base64');
}
