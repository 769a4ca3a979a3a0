import type { SubscriberTokens } from '../keys/subscriber-tokens.js';

/**
 * Signed, expiring links that let a subscriber change their own preferences without an API
 * key: the List-Unsubscribe target of every e-mail (RFC 8058 one-click) and links in footers.
 * The link token carries what it may do, so a leaked unsubscribe link cannot, say, turn SMS on.
 */

/** What a link may do: turn a category off, a channel off, everything off, or open the preferences. */
export type LinkAction = 'unsubscribe-category' | 'unsubscribe-channel' | 'unsubscribe-all' | 'manage';

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
  if (!p.s || !action || !['unsubscribe-category', 'unsubscribe-channel', 'unsubscribe-all', 'manage'].includes(action)) {
    // Signed by us but not a preference link (another kind of link token): refuse it all the same.
    return tokens.verifyLink('', nowMs) as never;
  }
  return { subscriber: p.s, action, ...(p.c !== undefined ? { category: p.c } : {}), ...(p.ch !== undefined ? { channel: p.ch } : {}) };
}

/** The absolute URL of a link token. */
export function preferenceLinkUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${LINK_PATH}${token}`;
}
