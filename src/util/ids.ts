import { randomBytes } from 'node:crypto';

/** ntfy clients expect message IDs of exactly this length (also how `since=<id>` is recognised). */
export const MESSAGE_ID_LENGTH = 12;
export const ACTION_ID_LENGTH = 10;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// 248 is the largest multiple of 62 that fits in a byte. Bytes at or above it are thrown away
// so that `byte % 62` hits every character equally often.
const ACCEPT_BELOW = 256 - (256 % ALPHABET.length);

// Random bytes are drawn from the OS in pools: one randomBytes call per id was a visible
// share of publish time under load. Each byte is still used once.
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let poolOffset = 0;

function nextByte(): number {
  if (poolOffset === POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  return pool[poolOffset++]!;
}

/** Returns `length` cryptographically random characters from [A-Za-z0-9]. */
export function randomId(length: number): string {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`randomId: length must be a non-negative integer, got ${length}`);
  }
  let out = '';
  while (out.length < length) {
    const byte = nextByte();
    if (byte < ACCEPT_BELOW) out += ALPHABET[byte % ALPHABET.length];
  }
  return out;
}
