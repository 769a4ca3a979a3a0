import { isE164 } from '../../util/sms.js';

/** X-Call values that mean "my first verified number" (ntfy reads these as true). */
const YES = new Set(['yes', 'true', '1']);
/** ntfy accepts its false spellings too; they match no number and so end as 40034. */
const BOOLEAN = new Set([...YES, 'no', 'false', '0']);

/** Whether an `X-Call` value has an acceptable shape: a yes/no word or an E.164 number (else 40033). */
export function isCallValue(value: string): boolean {
  return BOOLEAN.has(value.toLowerCase()) || isE164(value);
}

/** Whether an `X-Call` value asks for the publisher's first verified number. */
export function isCallYes(value: string): boolean {
  return YES.has(value.toLowerCase());
}
