/**
 * The portable push as an HMS Push Kit v1 `message` (without its `token` list, which each request
 * adds), with the raw `hms.message` override merged over it.
 *
 * Mapping (Huawei's "Sending a Downlink Message" reference):
 * - `data` → `message.data`, a JSON string (HMS carries data as one string, not an object).
 * - priority `high` → `android.urgency: HIGH`, otherwise `NORMAL`.
 * - `collapseKey` → `android.notification.tag` (a later notification with the same tag replaces
 *   the earlier one on the device). HMS's own `android.collapse_key` is a number (-1 to 100) that
 *   selects which offline messages are kept, so it is set only for a collapse key that is such a number.
 * - the push id → `android.bi_tag`, which Huawei echoes in delivery receipts.
 * - `expiresAt` → `android.ttl` as `"<seconds>s"`, computed when the request is sent (so the time
 *   a delivery waited in the queue counts), at least 1 s and at most Huawei's 15 days. Without
 *   `expiresAt` HMS keeps its default (1 day).
 * - title/body/image → `android.notification`; `sound: default` → `default_sound: true`, any other
 *   sound → `sound` (a raw resource of the app) with `default_sound: false`.
 * - an https `url` → `click_action {type: 2, url}` (Huawei opens only https URLs that way); any
 *   other URL, such as an app's own `myapp://orders/42` deep link, → `{type: 1, intent: url}`, which
 *   Android parses as a VIEW intent for that URI; without a url `{type: 3}` (open the app).
 * - `badge` → `badge.set_num`, capped at Huawei's 99. Huawei also wants `badge.class`, the app's launcher activity, which
 *   only the app knows: give it as the sender's `badgeClass` option or in the override.
 * - without a title and a body there is no `android.notification`: HMS sends a data message.
 */
import { HeraldError } from '../../../errors/index.js';
import type { EncodedPush, PushContent } from '../../../ports/push-sender.js';
import { deepMerge, isPlainObject } from '../../../util/deep-merge.js';

/** Huawei's limit on a message (HMS Push Kit: 4096 bytes). */
export const HMS_MAX_MESSAGE_BYTES = 4096;
/** Huawei keeps offline messages at most 15 days. */
export const HMS_MAX_TTL_SECONDS = 15 * 24 * 3600;

/** Huawei shows badge numbers up to 99. */
const HMS_MAX_BADGE = 99;

/** Targets come from the deliveries; an override naming its own would send to someone else. */
const TARGET_KEYS = ['token', 'topic', 'condition'] as const;

export interface HmsPayloadOptions {
  /** Full class name of the app's launcher activity, which Huawei needs for a badge. */
  badgeClass?: string;
}

/** What `send` needs; built once per push by `encodeHmsMessage`. */
export class HmsEncodedPush implements EncodedPush {
  readonly provider = 'hms' as const;
  /**
   * @param head   the message JSON up to the point where the send-time TTL goes (the whole message
   *               without its closing brace when there is no TTL to fill in)
   * @param tail   the rest after the TTL, without the message's closing brace; undefined when no TTL is spliced
   * @param bytes  size of the message as sent (with the longest TTL), the figure Huawei's limit applies to
   */
  constructor(
    readonly head: string,
    readonly tail: string | undefined,
    readonly expiresAt: number | undefined,
    readonly bytes: number,
  ) {}

  /** The message JSON with the TTL for `now`, without its closing brace, so tokens can follow. */
  messageOpen(now: number): string {
    if (this.tail === undefined) return this.head;
    return `${this.head}${JSON.stringify(`${hmsTtlSeconds(this.expiresAt!, now)}s`)}${this.tail}`;
  }

  /** The whole `messages:send` body for these tokens. */
  requestBody(tokens: readonly string[], now: number): string {
    return this.#body('token', JSON.stringify(tokens), now);
  }

  /** The whole `messages:send` body for one topic or condition, which Push Kit fans out itself. */
  topicRequestBody(kind: 'topic' | 'condition', value: string, now: number): string {
    return this.#body(kind, JSON.stringify(value), now);
  }

  #body(field: 'token' | 'topic' | 'condition', valueJson: string, now: number): string {
    const open = this.messageOpen(now);
    // `{` alone means an empty message: no comma before the target then.
    const separator = open === '{' ? '' : ',';
    return `{"validate_only":false,"message":${open}${separator}"${field}":${valueJson}}}`;
  }
}

/** Seconds left until `expiresAt`, rounded up, within [1, 15 days]. */
export function hmsTtlSeconds(expiresAt: number, now: number): number {
  const seconds = Math.ceil((expiresAt - now) / 1000);
  return Math.min(HMS_MAX_TTL_SECONDS, Math.max(1, seconds));
}

/** The HMS message for the portable content, before the raw override. */
export function portableHmsMessage(content: PushContent, options: HmsPayloadOptions = {}): Record<string, unknown> {
  const n = content.notification;
  const message: Record<string, unknown> = {};
  if (n.data !== undefined && Object.keys(n.data).length > 0) message.data = JSON.stringify(n.data);

  const android: Record<string, unknown> = { urgency: content.priority === 'high' ? 'HIGH' : 'NORMAL' };
  if (content.collapseKey !== undefined && /^(-1|[0-9]|[1-9][0-9]|100)$/.test(content.collapseKey)) {
    android.collapse_key = Number(content.collapseKey);
  }
  if (content.id !== '') android.bi_tag = content.id;

  if (n.title !== undefined || n.body !== undefined) {
    const notification: Record<string, unknown> = { title: n.title ?? '', body: n.body ?? '' };
    if (n.image !== undefined) notification.image = n.image;
    if (n.sound !== undefined) {
      if (n.sound === 'default') notification.default_sound = true;
      else {
        notification.sound = n.sound;
        notification.default_sound = false;
      }
    }
    if (content.collapseKey !== undefined) notification.tag = content.collapseKey;
    notification.click_action = clickAction(n.url);
    if (n.badge !== undefined) {
      const setNum = Math.min(HMS_MAX_BADGE, Math.max(0, Math.floor(n.badge)));
      notification.badge = options.badgeClass !== undefined ? { set_num: setNum, class: options.badgeClass } : { set_num: setNum };
    }
    android.notification = notification;
  }
  message.android = android;
  return message;
}

function clickAction(url: string | undefined): Record<string, unknown> {
  if (url === undefined) return { type: 3 };
  if (/^https:\/\//i.test(url)) return { type: 2, url };
  return { type: 1, intent: url };
}

/** Portable mapping + override, checked against what HMS would refuse anyway; no I/O. */
export function buildHmsMessage(content: PushContent, options: HmsPayloadOptions = {}): Record<string, unknown> {
  const override = content.overrides.hms?.message;
  if (override !== undefined && !isPlainObject(override)) throw invalid('hms.message must be an object');
  if (override !== undefined) {
    for (const key of TARGET_KEYS) {
      if (Object.hasOwn(override, key)) throw invalid(`hms.message.${key} cannot be set: Herald fills in the targets`);
    }
  }
  const message = override === undefined ? portableHmsMessage(content, options) : deepMerge(portableHmsMessage(content, options), override);
  if (message.data !== undefined && typeof message.data !== 'string') {
    throw invalid('hms.message.data must be a string (HMS carries data as one JSON string)');
  }
  if (message.android !== undefined && !isPlainObject(message.android)) throw invalid('hms.message.android must be an object');
  return message;
}

/** A per-process marker for the TTL slot; random so no user text can collide with it. */
const TTL_SLOT = `\u0000herald-ttl-${Math.random().toString(36).slice(2)}`;
const TTL_SLOT_JSON = JSON.stringify(TTL_SLOT);

/**
 * Encodes a push for HMS once: the message JSON is built here and only the TTL (when it derives
 * from `expiresAt`) and the token list are spliced in per request.
 */
export function encodeHmsMessage(content: PushContent, options: HmsPayloadOptions = {}): HmsEncodedPush {
  const message = buildHmsMessage(content, options);
  const android = message.android as Record<string, unknown> | undefined;
  const spliceTtl = content.expiresAt !== undefined && android !== undefined && android.ttl === undefined;
  if (spliceTtl) android.ttl = TTL_SLOT;

  const json = JSON.stringify(message);
  let head: string;
  let tail: string | undefined;
  let bytes: number;
  if (spliceTtl) {
    const at = json.indexOf(TTL_SLOT_JSON);
    head = json.slice(0, at);
    tail = json.slice(at + TTL_SLOT_JSON.length, -1);
    bytes = Buffer.byteLength(head) + Buffer.byteLength(tail) + `"${HMS_MAX_TTL_SECONDS}s"`.length + 1;
  } else {
    head = json.slice(0, -1);
    bytes = Buffer.byteLength(json);
  }
  if (bytes > HMS_MAX_MESSAGE_BYTES) {
    throw new HeraldError('pushPayloadTooLarge', { detail: `hms: the message is ${bytes} bytes; HMS accepts at most ${HMS_MAX_MESSAGE_BYTES}` });
  }
  return new HmsEncodedPush(head, tail, content.expiresAt, bytes);
}

function invalid(detail: string): HeraldError {
  return new HeraldError('pushPayloadInvalid', { detail: `hms: ${detail}` });
}
