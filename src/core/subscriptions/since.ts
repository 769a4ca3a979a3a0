import { HeraldError } from '../../errors/herald-error.js';
import { parseGoDuration } from '../../util/durations.js';
import { MESSAGE_ID_LENGTH } from '../../util/ids.js';
import type { Since } from '../../ports/message-cache.js';

export type { Since } from '../../ports/message-cache.js';

const MESSAGE_ID = new RegExp(`^[A-Za-z0-9]{${MESSAGE_ID_LENGTH}}$`);

/**
 * The `since=` replay selector. Unlike `Delay`, only Go durations are accepted here ("10m",
 * not "2d"), because that is what ntfy clients send and what they get rejected for elsewhere.
 * An all-digit value is always a timestamp, even at 12 digits. ntfy checks the ID shape first and
 * would take 12 digits as an (unknown, so "everything") ID; we prefer the reading a client most
 * plausibly meant. A random 12-character ID is all digits with odds of about 3 in 10^10.
 */
export function parseSince(value: string | undefined, nowMs: number, poll: boolean): Since {
  const v = value?.trim() ?? '';
  if (v === '') return poll ? { kind: 'all' } : { kind: 'none' };
  if (v === 'all' || v === 'none' || v === 'latest') return { kind: v };
  if (/^\d+$/.test(v)) {
    const time = Number(v);
    if (!Number.isSafeInteger(time)) throw new HeraldError('sinceInvalid');
    return { kind: 'time', time };
  }
  if (MESSAGE_ID.test(v)) return { kind: 'id', id: v };
  const duration = parseGoDuration(v);
  if (duration === undefined) throw new HeraldError('sinceInvalid');
  return { kind: 'time', time: Math.floor((nowMs - duration) / 1000) };
}
