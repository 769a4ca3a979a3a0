import * as chrono from 'chrono-node';
import { HeraldError } from '../../errors/herald-error.js';
import { parseHumanDuration } from '../../util/durations.js';

export interface DelayBounds {
  minMs: number;
  maxMs: number;
}

/**
 * Turns a publish `Delay`/`At`/`In` value into the delivery time in Unix seconds.
 *
 * Tried in order: a Unix timestamp in seconds, a duration from now ("30m", "2 days"), then
 * natural language ("tomorrow, 10am", "in 2 hours"). Times without an explicit zone are read in
 * the server's local timezone (the process TZ), which is what chrono does by default and what
 * ntfy does too: the person publishing "10am" usually means the wall clock where the server runs,
 * and a fixed UTC reading would surprise anyone whose server is configured for their zone.
 * `forwardDate` makes "10am" after 10am mean tomorrow rather than a time in the past.
 */
export function parseDelay(value: string, nowMs: number, bounds: DelayBounds): number {
  const when = toUnixSeconds(value.trim(), nowMs);
  if (when === undefined) throw new HeraldError('delayCannotParse');
  // Compare whole seconds, as the stored time is whole seconds: "10s" against a 10s minimum must pass.
  if (when < Math.floor((nowMs + bounds.minMs) / 1000)) throw new HeraldError('delayTooSmall');
  if (when > Math.floor((nowMs + bounds.maxMs) / 1000)) throw new HeraldError('delayTooLarge');
  return when;
}

function toUnixSeconds(value: string, nowMs: number): number | undefined {
  if (value === '') return undefined;
  if (/^\d+$/.test(value)) {
    const seconds = Number(value);
    return Number.isSafeInteger(seconds) ? seconds : undefined;
  }
  const duration = parseHumanDuration(value);
  if (duration !== undefined) return Math.floor((nowMs + duration) / 1000);
  const date = chrono.parseDate(value, new Date(nowMs), { forwardDate: true });
  if (date === null || Number.isNaN(date.getTime())) return undefined;
  return Math.floor(date.getTime() / 1000);
}
