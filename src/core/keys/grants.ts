import { HeraldError } from '../../errors/index.js';

/**
 * The API key that is creating or rotating a key. Admin users and the CLI issue keys without
 * one: they may grant anything.
 */
export interface KeyIssuer {
  scopes: readonly string[];
  /** Empty means the issuer may act in every category. */
  categories: readonly string[];
  /** When the issuer itself expires (ms since the epoch); unset when it never does. */
  expiresAt?: number;
}

/**
 * A key can only hand out what it holds itself; otherwise `keys:write` alone would be a way to
 * mint an `admin` key. An `admin`-scoped issuer holds everything. An issuer limited to categories
 * may only issue keys limited to some of those categories (a key with no categories may act in
 * every one, which is more than the issuer holds). Time counts too: an issuer that expires may
 * only issue keys that expire no later (`expiresAt` undefined: the new key never expires).
 */
export function assertGrantable(issuer: KeyIssuer | undefined, scopes: readonly string[], categories: readonly string[], expiresAt: number | undefined): void {
  if (!issuer || issuer.scopes.includes('admin')) return;
  if (issuer.expiresAt !== undefined && (expiresAt === undefined || expiresAt > issuer.expiresAt)) {
    throw new HeraldError('keyGrantExceeded', { detail: `this key expires at ${new Date(issuer.expiresAt).toISOString()}; the new key must expire no later` });
  }
  const missing = scopes.filter((s) => !issuer.scopes.includes(s));
  if (missing.length > 0) throw new HeraldError('keyGrantExceeded', { detail: `this key does not hold ${missing.join(', ')}` });
  if (issuer.categories.length === 0) return;
  if (categories.length === 0) {
    throw new HeraldError('keyGrantExceeded', { detail: `this key is limited to the categories ${issuer.categories.join(', ')}; the new key must be limited to some of them` });
  }
  const outside = categories.filter((c) => !issuer.categories.includes(c));
  if (outside.length > 0) throw new HeraldError('keyGrantExceeded', { detail: `this key is not allowed the categories ${outside.join(', ')}` });
}
