import { HeraldError } from '../../../errors/herald-error.js';
import type { PortableNotification, PushContent, PushPriority } from '../../../ports/push-sender.js';
import { deepMerge, isPlainObject } from '../../../util/deep-merge.js';

/**
 * The APNs request body and headers for one push (providers.md §4.2), built once and shared by
 * every target. How the portable notification maps:
 *
 * - `title`/`body` → `aps.alert.{title,body}`; `sound` → `aps.sound`; `badge` → `aps.badge`.
 * - `image` → top-level `image` plus `aps.mutable-content: 1`, so the app's notification service
 *   extension is woken to download and attach it (APNs itself does not fetch images).
 * - `url` → top-level `url`, for the app to open on tap.
 * - `data` → top-level keys beside `aps`, where apps read them from `userInfo` (the layout
 *   Firebase uses for iOS too). A data key `aps` is refused; data keys named `url` or `image`
 *   give way to the portable fields of that name.
 * - Nothing user-visible (no alert, badge or sound) → a background push: `aps.content-available: 1`,
 *   `apns-push-type: background` and priority 5, which Apple requires for it.
 *
 * Then `overrides.apns.payload` is deep-merged over the body and `overrides.apns.headers` over
 * the headers (only `apns-*` names; `apns-id` is made per request and cannot be fixed).
 */
export interface ApnsRequestTemplate {
  /** The JSON body, encoded once. */
  readonly payload: Buffer;
  /** Headers every target's request carries: push type, priority, topic, expiration, collapse id. */
  readonly headers: Readonly<Record<string, string>>;
  readonly pushType: ApnsPushType;
}

export const APNS_PUSH_TYPES = ['alert', 'background', 'location', 'voip', 'complication', 'fileprovider', 'mdm', 'liveactivity', 'pushtotalk'] as const;
export type ApnsPushType = (typeof APNS_PUSH_TYPES)[number];

/** What Apple appends to the bundle id in apns-topic for push types that are not the app's own alerts. */
export const APNS_TOPIC_SUFFIX: Readonly<Partial<Record<ApnsPushType, string>>> = {
  voip: '.voip',
  liveactivity: '.push-type.liveactivity',
  location: '.location-query',
  complication: '.complication',
  fileprovider: '.pushkit.fileprovider',
  pushtotalk: '.voip-ptt',
};

export const APNS_PAYLOAD_LIMIT = 4096;
export const APNS_VOIP_PAYLOAD_LIMIT = 5120;
export const APNS_COLLAPSE_ID_LIMIT = 64;

const PRIORITIES = new Set(['10', '5', '1']);
const HEADER_NAME = /^apns-[a-z0-9-]+$/;

/** Builds the shared part of every APNs request for this push; throws HeraldError when it could never be sent. */
export function buildApnsRequest(content: PushContent, bundleId: string): ApnsRequestTemplate {
  const overrides = content.overrides.apns ?? {};
  const headerOverrides = readHeaderOverrides(overrides.headers);

  let body = portablePayload(content.notification);
  if (overrides.payload !== undefined) {
    if (!isPlainObject(overrides.payload)) invalid('overrides payload must be a JSON object');
    body = deepMerge(body, overrides.payload);
  }
  const aps = body.aps;
  if (!isPlainObject(aps)) invalid('payload "aps" must be a JSON object');

  const pushType = (headerOverrides['apns-push-type'] ?? (isVisible(aps) ? 'alert' : 'background')) as ApnsPushType;
  if (pushType === 'background' && aps['content-available'] === undefined) aps['content-available'] = 1;

  const headers: Record<string, string> = {
    'apns-push-type': pushType,
    'apns-priority': priorityFor(content.priority, pushType),
    'apns-topic': bundleId + (APNS_TOPIC_SUFFIX[pushType] ?? ''),
  };
  if (content.expiresAt !== undefined) headers['apns-expiration'] = String(Math.max(0, Math.floor(content.expiresAt / 1000)));
  if (content.collapseKey !== undefined) headers['apns-collapse-id'] = content.collapseKey;
  Object.assign(headers, headerOverrides);

  if (pushType === 'background' && headers['apns-priority'] === '10') invalid('background pushes must use apns-priority 5 or 1, not 10');
  const collapseBytes = headers['apns-collapse-id'] === undefined ? 0 : Buffer.byteLength(headers['apns-collapse-id']);
  if (collapseBytes > APNS_COLLAPSE_ID_LIMIT) invalid(`apns-collapse-id is ${collapseBytes} bytes, over the ${APNS_COLLAPSE_ID_LIMIT}-byte limit`);

  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  const limit = pushType === 'voip' ? APNS_VOIP_PAYLOAD_LIMIT : APNS_PAYLOAD_LIMIT;
  if (payload.length > limit) {
    throw new HeraldError('pushPayloadTooLarge', {
      detail: `apns: payload is ${payload.length} bytes, over the ${limit}-byte limit${pushType === 'voip' ? ' for VoIP pushes' : ''}`,
      details: { provider: 'apns', bytes: payload.length, limit },
    });
  }
  return { payload, headers, pushType };
}

/** The portable notification in APNs' layout, before any raw override. */
export function portablePayload(notification: PortableNotification): Record<string, unknown> {
  const aps: Record<string, unknown> = {};
  if (notification.title !== undefined || notification.body !== undefined) {
    const alert: Record<string, string> = {};
    if (notification.title !== undefined) alert.title = notification.title;
    if (notification.body !== undefined) alert.body = notification.body;
    aps.alert = alert;
  }
  if (notification.sound !== undefined) aps.sound = notification.sound;
  if (notification.badge !== undefined) aps.badge = notification.badge;
  if (notification.image !== undefined) aps['mutable-content'] = 1;

  const body: Record<string, unknown> = { aps };
  if (notification.data) {
    for (const [key, value] of Object.entries(notification.data)) {
      if (key === 'aps') invalid('data key "aps" is reserved for the APNs dictionary');
      if (key === '__proto__') continue;
      body[key] = value;
    }
  }
  if (notification.url !== undefined) body.url = notification.url;
  if (notification.image !== undefined) body.image = notification.image;
  return body;
}

/**
 * apns-priority: 10 delivers now, 5 lets the device batch for power. `normal` is 10 for pushes
 * the user sees and 5 for background ones, where 10 is refused.
 */
export function priorityFor(priority: PushPriority, pushType: ApnsPushType): string {
  if (pushType === 'background' || priority === 'low') return '5';
  return '10';
}

function isVisible(aps: Record<string, unknown>): boolean {
  return aps.alert !== undefined || aps.badge !== undefined || aps.sound !== undefined;
}

function readHeaderOverrides(raw: unknown): Record<string, string> {
  if (raw === undefined) return {};
  if (!isPlainObject(raw)) invalid('overrides headers must be an object of strings');
  const out: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(raw)) {
    const name = rawName.toLowerCase();
    if (!HEADER_NAME.test(name)) invalid(`only apns-* headers can be set, not "${rawName}"`);
    if (name === 'apns-id') invalid('apns-id is generated for each request and cannot be set');
    if (typeof value !== 'string' || value === '' || /[\r\n\0]/.test(value)) invalid(`header ${name} must be a non-empty single-line string`);
    out[name] = value;
  }
  const pushType = out['apns-push-type'];
  if (pushType !== undefined && !(APNS_PUSH_TYPES as readonly string[]).includes(pushType)) {
    invalid(`apns-push-type "${pushType}" is not one of ${APNS_PUSH_TYPES.join(', ')}`);
  }
  const priority = out['apns-priority'];
  if (priority !== undefined && !PRIORITIES.has(priority)) invalid(`apns-priority must be 10, 5 or 1, not "${priority}"`);
  const expiration = out['apns-expiration'];
  if (expiration !== undefined && !/^\d{1,10}$/.test(expiration)) invalid(`apns-expiration must be unix seconds, not "${expiration}"`);
  return out;
}

function invalid(detail: string): never {
  throw new HeraldError('pushPayloadInvalid', { detail: `apns: ${detail}`, details: { provider: 'apns' } });
}
