import { createHmac } from 'node:crypto';

/**
 * Standard Webhooks signatures (symmetric, `v1`): HMAC-SHA256 over `{id}.{timestamp}.{body}`,
 * keyed with the secret's decoded bytes, sent base64 as `v1,<signature>`. During a secret
 * rotation every current secret signs, and the header carries the signatures space-separated so
 * a receiver that knows any one of the secrets can verify.
 */

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** The specification asks for keys of 24 to 64 bytes. */
export const WEBHOOK_SECRET_MIN_BYTES = 24;
export const WEBHOOK_SECRET_MAX_BYTES = 64;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The key bytes of a `whsec_<base64>` secret. Throws on anything else; the message never
 * repeats the secret, since it ends up in logs.
 */
export function parseWebhookSecret(secret: string): Buffer {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) throw new Error(`webhook secret must start with ${WEBHOOK_SECRET_PREFIX}`);
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  const key = Buffer.from(encoded, 'base64');
  // Buffer.from skips characters it does not know; a round trip (padding aside) proves it read everything.
  if (!BASE64.test(encoded) || key.toString('base64').replace(/=+$/, '') !== encoded.replace(/=+$/, '')) {
    throw new Error('webhook secret must be whsec_ followed by standard base64');
  }
  if (key.length < WEBHOOK_SECRET_MIN_BYTES || key.length > WEBHOOK_SECRET_MAX_BYTES) {
    throw new Error(`webhook secret must decode to ${WEBHOOK_SECRET_MIN_BYTES}–${WEBHOOK_SECRET_MAX_BYTES} bytes, got ${key.length}`);
  }
  return key;
}

/** `v1,<base64>` for one key. */
function signWithKey(key: Buffer, id: string, timestampSec: number, body: string): string {
  const mac = createHmac('sha256', key).update(`${id}.${timestampSec}.`, 'utf8').update(body, 'utf8').digest('base64');
  return `v1,${mac}`;
}

/** An id fit for a header and for the signed content: printable ASCII, no spaces. */
export function isWebhookId(id: string): boolean {
  return /^[\x21-\x7e]{1,256}$/.test(id);
}

function checkInputs(id: string, timestampSec: number): void {
  if (!isWebhookId(id)) throw new Error('webhook id must be 1–256 printable ASCII characters without spaces');
  if (!Number.isSafeInteger(timestampSec) || timestampSec < 0) throw new Error('webhook timestamp must be whole Unix seconds');
}

/**
 * The `webhook-signature` header value for one message: one `v1,<base64>` per secret, in the
 * order given, space-separated.
 */
export function signWebhook(secrets: string | readonly string[], id: string, timestampSec: number, body: string): string {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  return createWebhookSigner(list)(id, timestampSec, body);
}

export type WebhookSigner = (id: string, timestampSec: number, body: string) => string;

/** Decodes the secrets once and signs many messages with them. Needs at least one secret. */
export function createWebhookSigner(secrets: readonly string[]): WebhookSigner {
  if (secrets.length === 0) throw new Error('at least one webhook secret is required');
  const keys = secrets.map(parseWebhookSecret);
  return (id, timestampSec, body) => {
    checkInputs(id, timestampSec);
    return keys.map((key) => signWithKey(key, id, timestampSec, body)).join(' ');
  };
}
