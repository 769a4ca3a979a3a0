import { randomBytes } from 'node:crypto';
import { secretHash } from '../../util/constant-time.js';

export const TOKEN_PREFIX = 'tk_';
/** ntfy rejects any bearer value of another length before looking it up. */
export const TOKEN_LENGTH = 32;
/** Beyond this, adding a token prunes the user's oldest ones. */
export const TOKEN_MAX_PER_USER = 60;
/** Lifetime of tokens made through the account API when the caller does not choose one. */
export const DEFAULT_TOKEN_EXPIRY_MS = 72 * 3600_000;

// Lowercase only, as in ntfy: tokens appear in e-mail addresses (`topic+tk_…@host`), whose
// local part many mail systems fold to lowercase.
const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
// 252 is the largest multiple of 36 below 256; larger bytes are discarded so that every
// character is equally likely.
const ACCEPT_BELOW = 256 - (256 % TOKEN_ALPHABET.length);
const TOKEN_SHAPE = /^tk_[a-z0-9]{29}$/;

/** A new access token: `tk_` and 29 cryptographically random characters from [a-z0-9]. */
export function generateToken(): string {
  let token = TOKEN_PREFIX;
  while (token.length < TOKEN_LENGTH) {
    // Asking for the whole remainder at once usually finishes in one round; about 1.6% of
    // bytes are rejected.
    for (const byte of randomBytes(TOKEN_LENGTH - token.length)) {
      if (byte < ACCEPT_BELOW) token += TOKEN_ALPHABET[byte % TOKEN_ALPHABET.length];
    }
  }
  return token;
}

/** How many leading characters of a token an admin listing shows (`tk_` and five more). */
export const TOKEN_SHOWN_PREFIX = 8;

/**
 * A token's name in admin listings: derived from the token by a one-way hash, so an admin can
 * list and delete a user's tokens without ever being shown one.
 */
export function tokenId(token: string): string {
  return `tok_${secretHash(token).slice(0, 16)}`;
}

/** True when `s` looks like a token Herald generates; says nothing about whether it exists. */
export function isTokenShape(s: string): boolean {
  return TOKEN_SHAPE.test(s);
}
