import { HeraldError } from '../../errors/index.js';
import type { NotifyChannel } from '../../ports/notify-store.js';
import type { LinkAction, PreferenceLink } from './preference-links.js';
import type { PreferencesJson } from './preferences/index.js';

/**
 * What a click on a signed preference link does, as pure rules: which bodies a link takes
 * (RFC 8058 one-click included) and how its action changes the subscriber's preferences.
 */

/** What a POST to a link asks for: the link's own action, or (manage links only) a whole preferences document. */
export type LinkPost = { kind: 'click' } | { kind: 'document'; document: unknown };

/** A POST body as the HTTP face received it; `json` parses it (and throws its own 400) only when called. */
export interface LinkPostBody {
  /** The media type, lower case, without parameters ('' when absent). */
  mediaType: string;
  /** The body as text ('' when none). */
  raw: string;
  json(): unknown;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * What a POST to a link carries. Mail clients send `List-Unsubscribe=One-Click` (RFC 8058, as
 * a form or multipart), others nothing at all; the signed URL says what to do, so an unsubscribe
 * link takes any of these. A manage link takes a full preferences document (JSON), or the
 * one-click form, which turns everything off.
 */
export function readLinkPost(link: PreferenceLink, body: LinkPostBody): LinkPost {
  const { raw, mediaType: type } = body;
  const json = type === 'application/json' || type.endsWith('+json') || (type === '' && /^\s*[{[]/.test(raw));
  if (link.action !== 'manage') {
    if (json && raw.trim() !== '') {
      const parsed = body.json();
      if (!isRecord(parsed)) throw new HeraldError('badRequest', { detail: 'body must be empty, the one-click form or a JSON object' });
      const extra = Object.keys(parsed).filter((k) => k !== 'List-Unsubscribe');
      if (extra.length > 0) {
        throw new HeraldError('badRequest', { detail: `this link only applies ${link.action}; it takes no ${extra[0]} (a preferences document needs a manage link)` });
      }
    }
    return { kind: 'click' };
  }
  if (raw.trim() === '') throw new HeraldError('badRequest', { detail: 'a manage link takes a preferences document (JSON) or the one-click form List-Unsubscribe=One-Click' });
  if (type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data') {
    if (!isOneClick(raw, type)) throw new HeraldError('badRequest', { detail: 'a manage link takes a form only as the one-click List-Unsubscribe=One-Click' });
    return { kind: 'click' };
  }
  if (!json) throw new HeraldError('badRequest', { detail: 'a manage link takes a preferences document as application/json' });
  return { kind: 'document', document: body.json() };
}

/** Whether a form body is RFC 8058's `List-Unsubscribe=One-Click`. */
export function isOneClick(raw: string, mediaType: string): boolean {
  if (mediaType === 'application/x-www-form-urlencoded') return new URLSearchParams(raw).get('List-Unsubscribe') === 'One-Click';
  // A one-field multipart form: the part named List-Unsubscribe whose content is One-Click.
  return /content-disposition:\s*form-data;\s*name="?List-Unsubscribe"?[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\nOne-Click\r?\n/i.test(raw);
}

/** What a click applies: a manage link's one-click (a mail client, or the page's button) turns everything off. */
export function clickAction(link: PreferenceLink): Exclude<LinkAction, 'manage'> {
  return link.action === 'manage' ? 'unsubscribe-all' : link.action;
}

/** The preferences with `action` applied for `link`; the same object when it changes nothing. */
export function applyLinkAction(prefs: PreferencesJson, action: LinkAction, link: PreferenceLink): PreferencesJson {
  switch (action) {
    case 'unsubscribe-all':
      return prefs.enabled === false ? prefs : { ...prefs, enabled: false };
    case 'unsubscribe-channel': {
      const ch = link.channel as NotifyChannel;
      return prefs.channels[ch] === false ? prefs : { ...prefs, channels: { ...prefs.channels, [ch]: false } };
    }
    case 'unsubscribe-category': {
      const c = link.category!;
      const own = hasOwn.call(prefs.categories, c) ? prefs.categories[c]! : undefined;
      if (own?.enabled === false) return prefs;
      return { ...prefs, categories: { ...prefs.categories, [c]: { ...own, enabled: false } } };
    }
    case 'manage':
      return prefs;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
