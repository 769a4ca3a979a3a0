/**
 * What a browser's service worker receives for a push: one JSON object, encrypted per
 * subscription at send time. Shape (absent fields are left out):
 *
 * ```json
 * { "id": "order-42-shipped",                 // the push id, for POST /v1/push/{id}/status
 *   "title": "Shipped", "body": "Your order is on its way",
 *   "url": "https://shop.example/orders/42",  // to open on notificationclick
 *   "image": "https://…/parcel.png",
 *   "tag": "order-42",                        // the collapse key: a newer notification replaces the older one
 *   "badge_count": 1,                         // the app badge (navigator.setAppBadge)
 *   "data": { "order": "42" } }
 * ```
 *
 * `title`, `body`, `image` and `tag` mean what they mean in the Notifications API, so a service
 * worker needs one line to show it and keeps the whole payload for the click:
 *
 * ```js
 * self.addEventListener('push', (e) => {
 *   const p = e.data.json();
 *   e.waitUntil(self.registration.showNotification(p.title ?? '', { body: p.body, image: p.image, tag: p.tag, data: p }));
 * });
 * self.addEventListener('notificationclick', (e) => { e.notification.close(); if (e.notification.data.url) e.waitUntil(clients.openWindow(e.notification.data.url)); });
 * ```
 *
 * The badge count is `badge_count`, not `badge`, because `badge` in notification options is the
 * URL of a small monochrome icon. `sound` is not carried: browsers pick the sound themselves.
 * `overrides.webpush.payload` is merged over this object (deep-merge.ts).
 */
import { HeraldError } from '../../../errors/index.js';
import type { EncodedPush, PushContent } from '../../../ports/push-sender.js';
import { deepMerge, isPlainObject } from '../../../util/deep-merge.js';
import { MAX_PLAINTEXT_BYTES } from './encryption.js';
import type { Urgency } from './headers.js';

const URGENCIES: readonly Urgency[] = ['very-low', 'low', 'normal', 'high'];
/** RFC 8030 §5.4: a Topic is at most 32 characters of the URL-safe base64 alphabet. */
const TOPIC = /^[A-Za-z0-9_-]{1,32}$/;
const MAX_TTL_SECONDS = 2_147_483_647;

/** A push encoded for Web Push once: the plaintext and the header choices every target shares. */
export class WebPushEncodedPush implements EncodedPush {
  readonly provider = 'webpush' as const;
  readonly bytes: number;

  constructor(
    /** The UTF-8 JSON the service worker gets, before encryption. */
    readonly plaintext: Buffer,
    /** From `overrides.webpush.ttl`; the TTL header is the smaller of it and the time to `expiresAt`. */
    readonly ttlSeconds: number | undefined,
    readonly expiresAt: number | undefined,
    readonly urgency: Urgency,
    readonly topic: string | undefined,
  ) {
    this.bytes = plaintext.length;
  }
}

/** The portable notification as the service worker's JSON, before the raw override. */
export function portableWebPushPayload(content: PushContent): Record<string, unknown> {
  const n = content.notification;
  const payload: Record<string, unknown> = {};
  if (content.id !== '') payload.id = content.id;
  if (n.title !== undefined) payload.title = n.title;
  if (n.body !== undefined) payload.body = n.body;
  if (n.url !== undefined) payload.url = n.url;
  if (n.image !== undefined) payload.image = n.image;
  if (content.collapseKey !== undefined) payload.tag = content.collapseKey;
  if (n.badge !== undefined) payload.badge_count = n.badge;
  if (n.data !== undefined && Object.keys(n.data).length > 0) payload.data = n.data;
  return payload;
}

/** The TTL header for a push sent at `now`: the override, capped by what is left until `expiresAt`. */
export function webPushTtlSeconds(push: Pick<WebPushEncodedPush, 'ttlSeconds' | 'expiresAt'>, now: number, defaultSeconds: number): number {
  const base = push.ttlSeconds ?? defaultSeconds;
  if (push.expiresAt === undefined) return base;
  // Past the expiry, 0 still lets the service deliver to a device that is online right now.
  const left = Math.max(0, Math.ceil((push.expiresAt - now) / 1000));
  return push.ttlSeconds === undefined ? Math.min(left, MAX_TTL_SECONDS) : Math.min(base, left);
}

/**
 * Builds the plaintext and header choices once per push, checking everything that would make
 * every send fail: a bad urgency, topic or TTL override, or a payload over the 3993 bytes that
 * fit in one 4096-byte aes128gcm record.
 */
export function encodeWebPush(content: PushContent): WebPushEncodedPush {
  const override = content.overrides.webpush ?? {};
  if (override.payload !== undefined && !isPlainObject(override.payload)) throw invalid('webpush.payload must be an object');
  const payload = override.payload === undefined ? portableWebPushPayload(content) : deepMerge(portableWebPushPayload(content), override.payload);

  if (override.ttl !== undefined && !(Number.isInteger(override.ttl) && override.ttl >= 0 && override.ttl <= MAX_TTL_SECONDS)) {
    throw invalid(`webpush.ttl must be a whole number of seconds from 0 to ${MAX_TTL_SECONDS}`);
  }
  if (override.urgency !== undefined && !URGENCIES.includes(override.urgency)) throw invalid(`webpush.urgency must be one of ${URGENCIES.join(', ')}`);
  if (override.topic !== undefined && !(typeof override.topic === 'string' && TOPIC.test(override.topic))) {
    throw invalid('webpush.topic must be 1 to 32 characters of A-Z a-z 0-9 - _');
  }
  // A collapse key that is no valid Topic still collapses on the device (`tag`), just not in the push service.
  const topic = override.topic ?? (content.collapseKey !== undefined && TOPIC.test(content.collapseKey) ? content.collapseKey : undefined);
  const urgency = override.urgency ?? content.priority;

  const plaintext = Buffer.from(JSON.stringify(payload));
  if (plaintext.length > MAX_PLAINTEXT_BYTES) {
    throw new HeraldError('pushPayloadTooLarge', {
      detail: `webpush: the payload is ${plaintext.length} bytes; at most ${MAX_PLAINTEXT_BYTES} fit in the 4096 bytes push services accept after encryption`,
    });
  }
  return new WebPushEncodedPush(plaintext, override.ttl, content.expiresAt, urgency, topic);
}

function invalid(detail: string): HeraldError {
  return new HeraldError('pushPayloadInvalid', { detail: `webpush: ${detail}` });
}
