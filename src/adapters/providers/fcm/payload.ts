import { randomBytes } from 'node:crypto';
import { HeraldError } from '../../../errors/index.js';
import type { PushContent, PushPriority } from '../../../ports/push-sender.js';
import { deepMerge, isPlainObject } from '../../../util/deep-merge.js';

/**
 * The portable push → FCM HTTP v1 `message` mapping.
 *
 * Choices this mapping makes (each platform reads its own block; FCM ignores the others):
 * - `url` goes into `data.url` (the one place an Android or iOS app can read it; Android's
 *   `click_action` is an intent action, not a URL, so it is left to overrides) and, when it is
 *   https, into `webpush.fcm_options.link`, which FCM requires to be https. An explicit
 *   `data.url` in the notification's data wins over the portable url.
 * - Priority: `high` → Android HIGH (wakes a dozing device), APNs 10, Urgency high; `normal` →
 *   Android NORMAL (delivered when the device is awake; it never wakes it), APNs 10 (Apple's
 *   default for visible alerts), Urgency normal; `low` → NORMAL, APNs 5, Urgency low. A push
 *   with no title or body is a background push to iOS, which Apple only accepts at priority 5.
 * - `expiresAt` sets `apns-expiration` (absolute, known now) and two relative fields computed
 *   at send time from the time left: `android.ttl` ("Ns") and `webpush.headers.TTL`. Here they
 *   are placeholders (`TTL_SLOTS`) that the encoded push fills in per send.
 * - `collapseKey` → `android.collapse_key`, `apns-collapse-id` (APNs allows 64 bytes, so a
 *   longer key is refused), and Web Push `Topic` when it fits RFC 8030's 32 base64url chars.
 */

/** push-api.md: FCM's 4096 bytes, less headroom for what FCM adds, measured over data + notification. */
export const FCM_PAYLOAD_LIMIT_BYTES = 4000;
/** FCM keeps an undelivered message at most 28 days; a longer ttl is refused. */
export const FCM_MAX_TTL_SECONDS = 2_419_200;
const APNS_COLLAPSE_ID_MAX_BYTES = 64;
const WEBPUSH_TOPIC = /^[A-Za-z0-9_-]{1,32}$/;
/** FCM's reserved data keys: "from", "notification", "message_type" and anything starting with "google" or "gcm". */
const RESERVED_DATA_KEY = /^(from|notification|message_type|google.*|gcm.*)$/i;
const TARGET_FIELDS = ['token', 'topic', 'condition'] as const;

// A per-process nonce makes the placeholders unguessable, so no user-supplied string can be
// mistaken for one when the encoded message is split around them.
const NONCE = randomBytes(9).toString('base64url');
/** Stand-ins for the send-time values; each is a JSON string value in the mapped message. */
export const TTL_SLOTS = {
  android: `{{herald:android.ttl:${NONCE}}}`,
  webpush: `{{herald:webpush.TTL:${NONCE}}}`,
} as const;

const ANDROID_PRIORITY: Record<PushPriority, 'HIGH' | 'NORMAL'> = { high: 'HIGH', normal: 'NORMAL', low: 'NORMAL' };
const URGENCY: Record<PushPriority, 'high' | 'normal' | 'low'> = { high: 'high', normal: 'normal', low: 'low' };

/**
 * The FCM `message` (without its target) for a push: the portable mapping with
 * `overrides.fcm.message` merged over it. Throws `pushPayloadInvalid` for what FCM would refuse
 * for every target, or what would take the choice of target away from Herald.
 */
export function fcmMessage(content: PushContent): Record<string, unknown> {
  const override = content.overrides.fcm?.message;
  if (override !== undefined && !isPlainObject(override)) invalid('fcm.message must be an object');
  if (override) {
    const target = TARGET_FIELDS.find((key) => Object.hasOwn(override, key));
    if (target) invalid(`fcm.message.${target} cannot be set: Herald chooses the target of each delivery`);
  }
  const message = override ? deepMerge(portableMessage(content), override) : portableMessage(content);
  checkData(message.data, 'fcm.message.data');
  if (isPlainObject(message.android)) checkData(message.android.data, 'fcm.message.android.data');
  if (message.notification !== undefined && !isPlainObject(message.notification)) invalid('fcm.message.notification must be an object');
  return message;
}

/** The bytes FCM's payload limit applies to: the serialized `data` and `notification` of the message. */
export function fcmPayloadBytes(message: Record<string, unknown>): number {
  let bytes = 0;
  if (message.data !== undefined) bytes += Buffer.byteLength(JSON.stringify(message.data));
  if (message.notification !== undefined) bytes += Buffer.byteLength(JSON.stringify(message.notification));
  return bytes;
}

/** Refuses a message whose payload is over the limit, naming FCM and both sizes. */
export function checkFcmPayloadSize(message: Record<string, unknown>): number {
  const bytes = fcmPayloadBytes(message);
  if (bytes > FCM_PAYLOAD_LIMIT_BYTES) {
    throw new HeraldError('pushPayloadTooLarge', {
      detail: `fcm: data + notification are ${bytes} bytes, over the ${FCM_PAYLOAD_LIMIT_BYTES}-byte limit`,
      details: { provider: 'fcm', bytes, limit: FCM_PAYLOAD_LIMIT_BYTES },
    });
  }
  return bytes;
}

/** The time left until `expiresAt` in whole seconds, within what FCM accepts for a ttl. */
export function ttlSecondsAt(expiresAt: number, nowMs: number): number {
  const left = Math.floor((expiresAt - nowMs) / 1000);
  return Math.min(FCM_MAX_TTL_SECONDS, Math.max(0, left));
}

function portableMessage(content: PushContent): Record<string, unknown> {
  const { notification: n, priority, collapseKey, expiresAt } = content;
  const message: Record<string, unknown> = {};

  const notification = defined({ title: n.title, body: n.body, image: n.image });
  if (notification) message.notification = notification;

  const data = n.url !== undefined || n.data !== undefined ? { ...(n.url !== undefined ? { url: n.url } : {}), ...n.data } : undefined;
  if (data && Object.keys(data).length > 0) message.data = data;

  if (collapseKey !== undefined && Buffer.byteLength(collapseKey) > APNS_COLLAPSE_ID_MAX_BYTES) {
    invalid(`collapse_key is ${Buffer.byteLength(collapseKey)} bytes; FCM passes it to APNs as apns-collapse-id, which allows ${APNS_COLLAPSE_ID_MAX_BYTES}`);
  }
  const hasExpiry = expiresAt !== undefined && Number.isFinite(expiresAt);

  const androidNotification = defined({ sound: n.sound, notification_count: n.badge });
  message.android = {
    priority: ANDROID_PRIORITY[priority],
    ...(collapseKey !== undefined ? { collapse_key: collapseKey } : {}),
    ...(hasExpiry ? { ttl: TTL_SLOTS.android } : {}),
    ...(androidNotification ? { notification: androidNotification } : {}),
  };

  const alert = n.title !== undefined || n.body !== undefined;
  const aps = defined({ sound: n.sound, badge: n.badge, 'mutable-content': n.image !== undefined ? 1 : undefined });
  message.apns = {
    headers: {
      'apns-priority': priority !== 'low' && alert ? '10' : '5',
      ...(collapseKey !== undefined ? { 'apns-collapse-id': collapseKey } : {}),
      ...(hasExpiry ? { 'apns-expiration': String(Math.max(0, Math.floor(expiresAt / 1000))) } : {}),
    },
    ...(aps ? { payload: { aps } } : {}),
    // An iOS notification service extension downloads the image; mutable-content lets it run.
    ...(n.image !== undefined ? { fcm_options: { image: n.image } } : {}),
  };

  message.webpush = {
    headers: {
      Urgency: URGENCY[priority],
      ...(hasExpiry ? { TTL: TTL_SLOTS.webpush } : {}),
      ...(collapseKey !== undefined && WEBPUSH_TOPIC.test(collapseKey) ? { Topic: collapseKey } : {}),
    },
    ...(n.url !== undefined && n.url.startsWith('https://') ? { fcm_options: { link: n.url } } : {}),
  };
  return message;
}

function checkData(data: unknown, where: string): void {
  if (data === undefined) return;
  if (!isPlainObject(data)) invalid(`${where} must be an object of strings`);
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string') invalid(`${where}.${key} is ${value === null ? 'null' : typeof value}; FCM data values must be strings`);
    if (RESERVED_DATA_KEY.test(key)) invalid(`${where}.${key} is a key FCM reserves`);
  }
}

function defined(fields: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return Object.keys(out).length > 0 ? out : undefined;
}

function invalid(detail: string): never {
  throw new HeraldError('pushPayloadInvalid', { detail: `fcm: ${detail}` });
}
