import { HeraldError } from '../../errors/index.js';
import type { EmailEvent } from './notify-types.js';
import type { NotifyService } from './notify-service.js';

/**
 * Bounces and complaints as a relay or mail provider reports them to `POST
 * /v1/notify/email/events`: one event, or `{"events": [...]}`. Each refusal names the field.
 */

// As loose as the directory's check: the relay already accepted mail to the address.
const EMAIL = /^[^\s@<>(),;:"]{1,64}@[^\s@<>(),;:"]+\.[^\s@<>(),;:".]{2,}$/;
export const MAX_EMAIL_EVENTS = 1000;
const MAX_REASON = 500;
const MAX_MESSAGE_ID = 998;
const EVENT_KEYS = new Set(['address', 'type', 'permanent', 'reason', 'message_id']);

const hasOwn = Object.prototype.hasOwnProperty;

/** Checks a parsed body, then records its events (a bad one refuses the batch before any is recorded); returns how many. */
export async function recordEmailEvents(notify: Pick<NotifyService, 'emailEvent'>, body: unknown): Promise<number> {
  const events = readEmailEvents(body);
  for (const event of events) await notify.emailEvent(event);
  return events.length;
}

/** The events of a parsed body; 400 naming the first bad field. */
export function readEmailEvents(body: unknown): EmailEvent[] {
  if (!isRecord(body)) invalid('body: expected an event {"address", "type"} or {"events": [...]}');
  if (!hasOwn.call(body, 'events')) return [readEmailEvent(body, '')];
  const extra = Object.keys(body).find((k) => k !== 'events');
  if (extra !== undefined) invalid(`${extra}: not allowed next to events`);
  const list = body.events;
  if (!Array.isArray(list)) invalid('events: must be a list of events');
  if (list.length === 0 || list.length > MAX_EMAIL_EVENTS) invalid(`events: must have 1 to ${MAX_EMAIL_EVENTS} events (got ${list.length})`);
  return list.map((e, i) => readEmailEvent(e, `events[${i}].`));
}

/**
 * One event. A complaint and a bounce not marked `permanent: false` are hard: they suppress the
 * address. Addresses are lower-cased, as the e-mail channel matches its suppressions.
 */
function readEmailEvent(value: unknown, at: string): EmailEvent {
  const field = (name: string) => `${at}${name}`;
  if (!isRecord(value)) invalid(`${at ? at.slice(0, -1) : 'body'}: must be an object {"address", "type", "permanent"?, "reason"?, "message_id"?}`);
  const extra = Object.keys(value).find((k) => !EVENT_KEYS.has(k));
  if (extra !== undefined) invalid(`${field(extra)}: unknown field (known: ${[...EVENT_KEYS].join(', ')})`);
  const { address, type, permanent, reason, message_id: messageId } = value;
  if (typeof address !== 'string' || address.length > 254 || !EMAIL.test(address)) invalid(`${field('address')}: must be an e-mail address`);
  if (type !== 'bounce' && type !== 'complaint') invalid(`${field('type')}: must be "bounce" or "complaint"`);
  if (permanent !== undefined) {
    if (type !== 'bounce') invalid(`${field('permanent')}: only for bounces (a complaint is always recorded)`);
    if (typeof permanent !== 'boolean') invalid(`${field('permanent')}: must be true or false`);
  }
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_REASON)) invalid(`${field('reason')}: must be a string of at most ${MAX_REASON} characters`);
  if (messageId !== undefined && (typeof messageId !== 'string' || messageId === '' || messageId.length > MAX_MESSAGE_ID || /[\x00-\x20\x7f]/.test(messageId))) {
    invalid(`${field('message_id')}: must be a Message-ID (<id@host> or bare, no spaces)`);
  }
  const hard = type === 'complaint' || permanent !== false;
  return {
    address: address.toLowerCase(),
    kind: type,
    permanent: hard,
    reason: typeof reason === 'string' && reason !== '' ? reason : type === 'complaint' ? 'complaint' : hard ? 'hard bounce' : 'soft bounce',
    ...(messageId !== undefined ? { messageId } : {}),
  };
}

function invalid(detail: string): never {
  throw new HeraldError('badRequest', { detail });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
