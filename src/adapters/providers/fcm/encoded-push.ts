import type { EncodedPush, PushContent } from '../../../ports/push-sender.js';
import { checkFcmPayloadSize, fcmMessage, TTL_SLOTS, ttlSecondsAt } from './payload.js';

type Slot = keyof typeof TTL_SLOTS;

const SLOT_BY_TEXT = new Map<string, Slot>((Object.keys(TTL_SLOTS) as Slot[]).map((slot) => [JSON.stringify(TTL_SLOTS[slot]), slot]));
const SLOT_PATTERN = new RegExp([...SLOT_BY_TEXT.keys()].map((text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
/** Characters a token may hold and still go into a JSON string as is; FCM tokens stay within them. */
const PLAIN_JSON_CHARS = /^[A-Za-z0-9_:.\-]*$/;

/**
 * An FCM push serialized once: the request body up to the target field, split around the send-time
 * ttl values. Each target's body is that prefix, `"token":` (or `"topic":`, `"condition":`) with its
 * JSON-escaped value, and `}}`, so sending to many tokens never re-serializes the message.
 */
export class FcmEncodedPush implements EncodedPush {
  readonly provider = 'fcm' as const;
  readonly bytes: number;
  readonly expiresAt: number | undefined;
  /** A `high` push: its requests go to the front of the connection's queue. */
  readonly urgent: boolean;
  readonly #pieces: readonly string[];
  readonly #slots: readonly Slot[];
  // The prefix changes only when the ttl (whole seconds) does, so it is rebuilt at most once a second.
  #cached: { ttl: number; prefix: string } | undefined;

  constructor(message: Record<string, unknown>, bytes: number, expiresAt: number | undefined, urgent = false) {
    this.urgent = urgent;
    this.bytes = bytes;
    this.expiresAt = expiresAt;
    const json = JSON.stringify(message);
    const head = `{"message":${json.slice(0, -1)}${json === '{}' ? '' : ','}`;
    const pieces: string[] = [];
    const slots: Slot[] = [];
    let from = 0;
    for (const m of head.matchAll(SLOT_PATTERN)) {
      pieces.push(head.slice(from, m.index));
      slots.push(SLOT_BY_TEXT.get(m[0])!);
      from = m.index + m[0].length;
    }
    pieces.push(head.slice(from));
    this.#pieces = pieces;
    this.#slots = slots;
    if (slots.length === 0) this.#cached = { ttl: -1, prefix: pieces[0]! };
  }

  /** The request body for one registration token (or topic name, or condition, as `field` says), with the ttl left at `nowMs`. */
  body(token: string, nowMs: number, field: 'token' | 'topic' | 'condition' = 'token'): string {
    return `${this.#prefix(nowMs)}"${field}":"${jsonStringChars(token)}"}}`;
  }

  #prefix(nowMs: number): string {
    if (this.#slots.length === 0) return this.#cached!.prefix;
    // A slot exists only when expiresAt was set at encode time.
    const ttl = ttlSecondsAt(this.expiresAt!, nowMs);
    if (this.#cached?.ttl === ttl) return this.#cached.prefix;
    let prefix = this.#pieces[0]!;
    for (let i = 0; i < this.#slots.length; i++) {
      prefix += (this.#slots[i] === 'android' ? `"${ttl}s"` : `"${ttl}"`) + this.#pieces[i + 1]!;
    }
    this.#cached = { ttl, prefix };
    return prefix;
  }
}

/** Maps, merges, checks and serializes a push for FCM; throws the HeraldErrors of `fcmMessage` and the size check. */
export function encodeFcmPush(content: PushContent): FcmEncodedPush {
  const message = fcmMessage(content);
  const bytes = checkFcmPayloadSize(message);
  const expiresAt = content.expiresAt !== undefined && Number.isFinite(content.expiresAt) ? content.expiresAt : undefined;
  return new FcmEncodedPush(message, bytes, expiresAt, content.priority === 'high');
}

/** The inside of a JSON string literal for `value`, without the quotes. */
export function jsonStringChars(value: string): string {
  return PLAIN_JSON_CHARS.test(value) ? value : JSON.stringify(value).slice(1, -1);
}
