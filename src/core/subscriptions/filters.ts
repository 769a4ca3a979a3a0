import type { Message } from '../messages/message.js';

/** A subscriber's message filters (spec §4.3); an empty filter lets everything through. */
export interface MessageFilters {
  id?: string;
  message?: string;
  title?: string;
  /** Any of these priorities (unset counts as 3). */
  priorities?: number[];
  /** All of these tags. */
  tags?: string[];
}

/** True when the message passes every filter. Only `message` events are filtered. */
export function passesFilters(message: Message, f: MessageFilters): boolean {
  if (message.event !== 'message') return true;
  if (f.id !== undefined && message.id !== f.id) return false;
  if (f.message !== undefined && message.message !== f.message) return false;
  if (f.title !== undefined && (message.title ?? '') !== f.title) return false;
  if (f.priorities && f.priorities.length > 0 && !f.priorities.includes(message.priority ?? 3)) return false;
  if (f.tags && f.tags.length > 0) {
    const have = message.tags ?? [];
    if (!f.tags.every((t) => have.includes(t))) return false;
  }
  return true;
}
