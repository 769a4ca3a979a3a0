/** RFC 8030 §5 request headers for one encrypted Web Push message. */
import { WebPushError } from './errors.js';

export type Urgency = 'very-low' | 'low' | 'normal' | 'high';

export interface PushHeaderOptions {
  /** How long the push service may hold the message for an offline device; 0 = deliver now or drop. */
  ttlSeconds: number;
  urgency?: Urgency;
  /** Replaces a still-pending message with the same topic; at most 32 base64url characters. */
  topic?: string;
  /** From the VAPID signer. */
  vapidAuthorization: string;
}

const URGENCIES: readonly Urgency[] = ['very-low', 'low', 'normal', 'high'];
/** RFC 8030 §5.4: 32 characters of the URL-safe base64 alphabet. */
const TOPIC = /^[A-Za-z0-9_-]{1,32}$/;
/** Header injection guard as much as a format check: the value came from our signer, but stay strict. */
const VAPID_AUTHORIZATION = /^vapid t=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+, k=[A-Za-z0-9_-]+$/;
/** TTL is delta-seconds; keep it a 31-bit integer so no push service rejects it as an overflow. */
const MAX_TTL_SECONDS = 2_147_483_647;

export function pushHeaders(options: PushHeaderOptions): Record<string, string> {
  const { ttlSeconds, urgency, topic, vapidAuthorization } = options;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0 || ttlSeconds > MAX_TTL_SECONDS) {
    throw new WebPushError('bad_header', `TTL must be a whole number of seconds from 0 to ${MAX_TTL_SECONDS}`);
  }
  if (urgency !== undefined && !URGENCIES.includes(urgency)) {
    throw new WebPushError('bad_header', `Urgency must be one of ${URGENCIES.join(', ')}`);
  }
  if (topic !== undefined && !TOPIC.test(topic)) {
    throw new WebPushError('bad_header', 'Topic must be 1 to 32 base64url characters');
  }
  if (!VAPID_AUTHORIZATION.test(vapidAuthorization)) {
    throw new WebPushError('bad_header', 'Authorization must be a "vapid t=<jwt>, k=<key>" value');
  }
  const headers: Record<string, string> = {
    'Content-Encoding': 'aes128gcm',
    'Content-Type': 'application/octet-stream',
    TTL: String(ttlSeconds),
    Authorization: vapidAuthorization,
  };
  if (urgency !== undefined) headers.Urgency = urgency;
  if (topic !== undefined) headers.Topic = topic;
  return headers;
}
