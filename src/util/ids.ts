import { randomBytes } from 'node:crypto';

/** ntfy clients expect message IDs of exactly this length (also how `since=<id>` is recognised). */
export const MESSAGE_ID_LENGTH = 12;
export const ACTION_ID_LENGTH = 10;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// 248 is the largest multiple of 62 that fits in a byte. Bytes at or above it are thrown away
// so that `byte % 62` hits every character equally often.
const ACCEPT_BELOW = 256 - (256 % ALPHABET.length);

/** Returns `length` cryptographically random characters from [A-Za-z0-9]. */
export function randomId(length: number): string {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`randomId: length must be a non-negative integer, got ${length}`);
  }
  let out = '';
  while (out.length < length) {
    // Ask for a little more than needed: about 3% of bytes are rejected.
    const batch = randomBytes(Math.ceil((length - out.length) * 1.1) + 4);
    for (const byte of batch) {
      if (byte >= ACCEPT_BELOW) continue;
      out += ALPHABET[byte % ALPHABET.length];
      if (out.length === length) break;
    }
  }
  return out;
}
