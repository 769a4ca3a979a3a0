import { HeraldError } from '../../errors/index.js';
import type { SubscriberTokens } from '../keys/subscriber-tokens.js';

/**
 * Signed, expiring links that let a subscriber change their own preferences without an API
 * key: the List-Unsubscribe target of every e-mail (RFC 8058 one-click) and links in footers.
 * The link token carries what it may do, so a leaked unsubscribe link cannot, say, turn SMS on.
 */

/** What a link may do: turn a category off, a channel off, everything off, or open the preferences. */
export const LINK_ACTIONS = ['unsubscribe-category', 'unsubscribe-channel', 'unsubscribe-all', 'manage'] as const;
export type LinkAction = (typeof LINK_ACTIONS)[number];

export interface PreferenceLink {
  subscriber: string;
  action: LinkAction;
  category?: string;
  channel?: string;
}

/** Links in mails outlive the mail by a while: long enough for a reader returning from holiday. */
export const LINK_LIFETIME_MS = 60 * 24 * 3600_000;

/** The path prefix the links live under; the route is `POST|GET /v1/preferences/{token}`. */
export const LINK_PATH = '/v1/preferences/';

export function signPreferenceLink(tokens: SubscriberTokens, link: PreferenceLink, nowMs: number, lifetimeMs = LINK_LIFETIME_MS): string {
  const payload: Record<string, string> = { s: link.subscriber, a: link.action };
  if (link.category !== undefined) payload.c = link.category;
  if (link.channel !== undefined) payload.ch = link.channel;
  return tokens.signLink(payload, nowMs + lifetimeMs);
}

/** The link's contents; throws linkInvalid (403) or linkExpired (410). */
export function readPreferenceLink(tokens: SubscriberTokens, token: string, nowMs: number): PreferenceLink {
  const p = tokens.verifyLink(token, nowMs);
  const action = p.a as LinkAction | undefined;
  // Signed by us but not a preference link (another kind of link token), or one missing what its
  // action needs: refuse it all the same.
  if (!p.s || !action || !(LINK_ACTIONS as readonly string[]).includes(action)) throw new HeraldError('linkInvalid');
  if (action === 'unsubscribe-category' && !p.c) throw new HeraldError('linkInvalid');
  if (action === 'unsubscribe-channel' && !p.ch) throw new HeraldError('linkInvalid');
  return { subscriber: p.s, action, ...(p.c !== undefined ? { category: p.c } : {}), ...(p.ch !== undefined ? { channel: p.ch } : {}) };
}

/** When a link token stops working (unix ms, whole seconds), read after {@link readPreferenceLink} accepted it. */
export function preferenceLinkExpiry(token: string): number | undefined {
  try {
    const exp = (JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** The absolute URL of a link token. */
export function preferenceLinkUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${LINK_PATH}${token}`;
}
