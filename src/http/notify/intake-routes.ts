import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AuditContext } from '../../core/audit/audit-trail.js';
import {
  LINK_ACTIONS, LINK_LIFETIME_MS, LINK_PATH, preferenceLinkExpiry, preferenceLinkUrl, readPreferenceLink, signPreferenceLink,
  type LinkAction, type PreferenceLink,
} from '../../core/notify/preference-links.js';
import type { PreferencesJson } from '../../core/notify/preferences/index.js';
import type { EmailEvent } from '../../core/notify/notify-types.js';
import { HeraldError } from '../../errors/index.js';
import { NOTIFY_CHANNELS, type NotifyChannel } from '../../ports/notify-store.js';
import { parseHumanDuration } from '../../util/durations.js';
import { sendJson } from '../account/account-routes.js';
import { jsonBody } from '../account/json-body.js';
import { refuseNul } from '../plugins/nul-guard.js';
import type { HttpDeps } from '../deps.js';
import { iso } from '../push/json.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const LinkBody = Type.Object({
  action: Type.String(),
  category: Type.Optional(Type.String()),
  channel: Type.Optional(Type.String()),
  expires_in: Type.Optional(Type.String()),
}, { additionalProperties: false });
const AnyBody = Type.Unknown();

/** Category names as `PUT /v1/categories/{name}` takes them. */
const CATEGORY = /^[a-z0-9][a-z0-9._-]{0,63}$/;
// As loose as the directory's check: the relay already accepted mail to the address.
const EMAIL = /^[^\s@<>(),;:"]{1,64}@[^\s@<>(),;:"]+\.[^\s@<>(),;:".]{2,}$/;
const LINK_MIN_MS = 60_000;
const LINK_MAX_MS = 365 * 24 * 3600_000;
/** Link tokens are a few hundred characters; anything far longer is not one of ours. */
const LINK_TOKEN_MAX = 2048;
const MAX_EVENTS = 1000;
const MAX_REASON = 500;
const MAX_MESSAGE_ID = 998;
/** 1000 events with long reasons and message ids fit; the app-wide default (1 MiB) may not. */
const EVENTS_BODY_LIMIT = 4 * 1024 * 1024;
const SMS_STATUS_PATH = '/v1/notify/sms/status';

const hasOwn = Object.prototype.hasOwnProperty;

/** What providers and subscribers report back: SMS status callbacks, bounces, one-click preference links. */
export function registerNotifyIntakeRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const { notifyDirectory: directory, subscriberTokens: tokens, clock } = deps;

  // ---- Signed preference links -------------------------------------------------------------

  app.post('/v1/subscribers/:id/preference-links', { schema: { params: IdParams }, config: { scope: 'subscribers:write' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const body = jsonBody(request, LinkBody);
    const link = await linkToCreate(id, body);
    const lifetime = body.expires_in === undefined ? LINK_LIFETIME_MS : linkLifetime(body.expires_in);
    await directory.getSubscriber(id);
    const token = signPreferenceLink(tokens, link, clock.now(), lifetime);
    // Without base-url there is no public address to put in a mail: the path alone is answered.
    const base = deps.config.baseUrl;
    return sendJson(reply, {
      ...(base ? { url: preferenceLinkUrl(base, token) } : {}),
      path: `${LINK_PATH}${token}`,
      token,
      action: link.action,
      ...(link.category !== undefined ? { category: link.category } : {}),
      ...(link.channel !== undefined ? { channel: link.channel } : {}),
      expires_at: iso(preferenceLinkExpiry(token) ?? null),
    });
  });

  // No API key: the token in the path is the credential. GET never changes anything (mail
  // scanners and link previews fetch links); POST applies what the link says.
  app.get('/v1/preferences/:token', { config: { scope: 'public' } }, async (request, reply) => {
    const { link, token } = await linkOf(request);
    const prefs = await currentPreferences(link.subscriber);
    noStore(reply);
    if (wantsHtml(request.headers.accept)) return sendHtml(reply, await linkPage(link, prefs));
    return sendJson(reply, {
      subscriber: link.subscriber,
      action: link.action,
      ...(link.category !== undefined ? { category: link.category } : {}),
      ...(link.channel !== undefined ? { channel: link.channel } : {}),
      expires_at: iso(preferenceLinkExpiry(token) ?? null),
      preferences: prefs,
    });
  });

  app.post('/v1/preferences/:token', { config: { scope: 'public' } }, async (request, reply) => {
    const { link } = await linkOf(request);
    const body = readLinkBody(request, link);
    const before = await currentPreferences(link.subscriber);
    let after: PreferencesJson;
    let changed: boolean;
    let applied: LinkAction | 'replace';
    if (body.kind === 'document') {
      applied = 'replace';
      after = (await directory.setPreferences(link.subscriber, body.document)) as PreferencesJson;
      changed = JSON.stringify(after) !== JSON.stringify(before);
    } else {
      // A manage link's one-click (a mail client, or the page's button) turns everything off.
      applied = link.action === 'manage' ? 'unsubscribe-all' : link.action;
      const next = applyAction(before, applied, link);
      changed = next !== before;
      // Repeated clicks on an applied link write nothing and add nothing to the audit log.
      after = changed ? ((await directory.setPreferences(link.subscriber, next)) as PreferencesJson) : before;
    }
    if (changed) {
      await deps.auditTrail.record(linkActor(request, link), applied === 'replace' ? 'preferences.replace' : 'preferences.unsubscribe', link.subscriber, {
        via: `${link.action} link`,
        ...(applied !== 'replace' ? { action: applied } : {}),
        ...(link.category !== undefined ? { category: link.category } : {}),
        ...(link.channel !== undefined ? { channel: link.channel } : {}),
      });
    }
    noStore(reply);
    if (wantsHtml(request.headers.accept)) return sendHtml(reply, donePage(link, body.kind === 'document'));
    return sendJson(reply, { success: true, changed, preferences: after });
  });

  /** Checks the link in the path (403 tampered or foreign, 410 expired) and spends the subscriber's request bucket. */
  async function linkOf(request: FastifyRequest): Promise<{ link: PreferenceLink; token: string }> {
    const { token } = request.params as { token: string };
    if (token.length > LINK_TOKEN_MAX) throw new HeraldError('linkInvalid');
    const now = clock.now();
    const link = readPreferenceLink(tokens, token, now);
    await deps.subscriberLimits.take(link.subscriber, now);
    return { link, token };
  }

  /** The subscriber's preferences in wire shape; 404 once the subscriber is erased. */
  async function currentPreferences(subscriber: string): Promise<PreferencesJson> {
    return (await directory.getPreferences(subscriber)) as PreferencesJson;
  }

  async function linkToCreate(subscriber: string, body: { action: string; category?: string; channel?: string }): Promise<PreferenceLink> {
    const action = body.action as LinkAction;
    if (!(LINK_ACTIONS as readonly string[]).includes(action)) invalid(`action must be one of ${LINK_ACTIONS.join(', ')}`);
    if (action === 'unsubscribe-category') {
      if (body.category === undefined) invalid('category is required for unsubscribe-category');
      if (!CATEGORY.test(body.category)) invalid('category must be a category name (1-64 lowercase letters, digits, dots, dashes or underscores)');
      await directory.getCategory(body.category);
    } else if (body.category !== undefined) {
      invalid('category is only for unsubscribe-category links');
    }
    if (action === 'unsubscribe-channel') {
      if (body.channel === undefined) invalid('channel is required for unsubscribe-channel');
      if (!NOTIFY_CHANNELS.includes(body.channel as NotifyChannel)) invalid(`channel must be one of ${NOTIFY_CHANNELS.join(', ')}`);
    } else if (body.channel !== undefined) {
      invalid('channel is only for unsubscribe-channel links');
    }
    return { subscriber, action, ...(body.category !== undefined ? { category: body.category } : {}), ...(body.channel !== undefined ? { channel: body.channel } : {}) };
  }

  async function linkPage(link: PreferenceLink, prefs: PreferencesJson): Promise<string> {
    const descriptions = await categoryDescriptions();
    const label = (name: string) => (descriptions.get(name) ? `${descriptions.get(name)} (${name})` : name);
    const onOff = (on: boolean) => (on ? 'on' : 'off');
    switch (link.action) {
      case 'unsubscribe-category': {
        const c = link.category!;
        const off = hasOwn.call(prefs.categories, c) && prefs.categories[c]!.enabled === false;
        return page('Unsubscribe', `Unsubscribe from “${label(c)}”`,
          off ? 'You are already unsubscribed from these notifications.' : 'You will no longer receive these notifications on any channel.', 'Unsubscribe');
      }
      case 'unsubscribe-channel': {
        const ch = link.channel!;
        const off = prefs.channels[ch as NotifyChannel] === false;
        return page('Unsubscribe', `Stop ${channelName(ch)} notifications`,
          off ? `${capitalize(channelName(ch))} notifications are already off.` : `You will no longer receive any notifications by ${channelName(ch)}.`, 'Unsubscribe');
      }
      case 'unsubscribe-all':
        return page('Unsubscribe', 'Unsubscribe from all notifications',
          prefs.enabled ? 'You will no longer receive any notifications.' : 'All notifications are already off.', 'Unsubscribe from everything');
      case 'manage': {
        const rows = [
          ['All notifications', onOff(prefs.enabled)],
          ...NOTIFY_CHANNELS.map((ch) => [capitalize(channelName(ch)), onOff(prefs.channels[ch] !== false)]),
          ...Object.entries(prefs.categories).map(([name, s]) => [label(name), onOff(s.enabled !== false)]),
        ];
        const table = `<table>${rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k!)}</th><td>${escapeHtml(v!)}</td></tr>`).join('')}</table>`;
        return page('Notification preferences', 'Your notification preferences', '', 'Unsubscribe from everything', table);
      }
    }
  }

  async function categoryDescriptions(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const c of await directory.listCategories()) if (c.description) out.set(c.name, c.description);
    return out;
  }

  // ---- Twilio status callbacks --------------------------------------------------------------

  app.post(SMS_STATUS_PATH, { config: { scope: 'public' } }, async (request, reply) => {
    const callbacks = deps.smsCallbacks;
    if (!callbacks) throw new HeraldError('channelNotConfigured', { detail: 'sms (twilio-account is not set), so there are no status callbacks to take' });
    if (mediaType(request) !== 'application/x-www-form-urlencoded') throw new HeraldError('badRequest', { detail: 'a status callback is an application/x-www-form-urlencoded body' });
    const form = parseForm(rawBody(request));
    if (!form) throw new HeraldError('badRequest', { detail: 'the status callback form is empty or repeats a field' });
    refuseNul(form, 'body');
    const signature = request.headers['x-twilio-signature'];
    if (!callbacks.verify(callbackUrl(request), form, typeof signature === 'string' ? signature : undefined)) {
      throw new HeraldError('forbidden', { detail: 'X-Twilio-Signature does not match this request (check twilio-auth-token and base-url)' });
    }
    const report = callbacks.parse(form);
    if (!report) throw new HeraldError('badRequest', { detail: 'not a status callback: MessageSid and a known MessageStatus are required' });
    // 200 whether or not a delivery matched: an error would only make Twilio retry.
    return sendJson(reply, { success: true, matched: await deps.notify.smsStatus(report) });
  });

  /** The URL Twilio signed: what the sender gave it (base-url), else this request's own address. */
  function callbackUrl(request: FastifyRequest): string {
    const q = request.url.indexOf('?');
    const query = q >= 0 ? request.url.slice(q) : '';
    const base = deps.config.baseUrl ? deps.config.baseUrl.replace(/\/+$/, '') : `${request.protocol}://${request.host}`;
    return `${base}${SMS_STATUS_PATH}${query}`;
  }

  // ---- Bounces and complaints ---------------------------------------------------------------

  app.post('/v1/notify/email/events', { bodyLimit: EVENTS_BODY_LIMIT, config: { scope: 'notify:send' } }, async (request, reply) => {
    if (rawBody(request) === '') throw new HeraldError('badRequest', { detail: 'body: expected an event {"address", "type"} or {"events": [...]}' });
    const body = jsonBody(request, AnyBody);
    const events = readEmailEvents(body);
    for (const event of events) await deps.notify.emailEvent(event);
    return sendJson(reply, { accepted: events.length });
  });
}

// ---- Link bodies and actions --------------------------------------------------------------

type LinkBodyRead = { kind: 'click' } | { kind: 'document'; document: unknown };

/**
 * What a POST to a link carries. Mail clients send `List-Unsubscribe=One-Click` (RFC 8058, as
 * a form or multipart), others nothing at all; the signed URL says what to do, so an unsubscribe
 * link takes any of these. A manage link takes a full preferences document (JSON), or the
 * one-click form, which turns everything off.
 */
function readLinkBody(request: FastifyRequest, link: PreferenceLink): LinkBodyRead {
  const raw = rawBody(request);
  const type = mediaType(request);
  const json = type === 'application/json' || type.endsWith('+json') || (type === '' && /^\s*[{[]/.test(raw));
  if (link.action !== 'manage') {
    if (json && raw.trim() !== '') {
      const parsed = jsonBody(request, AnyBody);
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
  return { kind: 'document', document: jsonBody(request, AnyBody) };
}

function isOneClick(raw: string, type: string): boolean {
  if (type === 'application/x-www-form-urlencoded') return new URLSearchParams(raw).get('List-Unsubscribe') === 'One-Click';
  // A one-field multipart form: the part named List-Unsubscribe whose content is One-Click.
  return /content-disposition:\s*form-data;\s*name="?List-Unsubscribe"?[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\nOne-Click\r?\n/i.test(raw);
}

/** The preferences with the link's action applied; the same object when it changes nothing. */
function applyAction(prefs: PreferencesJson, action: LinkAction, link: PreferenceLink): PreferencesJson {
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

/** A change made through a link: the subscriber is the actor, from the caller's address. */
function linkActor(request: FastifyRequest, link: PreferenceLink): AuditContext {
  return { actor: `link:${link.subscriber}`, address: request.ip };
}

function linkLifetime(text: string): number {
  const ms = parseHumanDuration(text);
  if (ms === undefined || ms < LINK_MIN_MS || ms > LINK_MAX_MS) invalid('expires_in must be a duration from 1m to 365d, e.g. "30d"');
  return Math.round(ms);
}

function invalid(detail: string): never {
  throw new HeraldError('badRequest', { detail });
}

// ---- E-mail events ------------------------------------------------------------------------

const EVENT_KEYS = new Set(['address', 'type', 'permanent', 'reason', 'message_id']);

function readEmailEvents(body: unknown): EmailEvent[] {
  if (!isRecord(body)) invalid('body: expected an event {"address", "type"} or {"events": [...]}');
  if (!hasOwn.call(body, 'events')) return [readEmailEvent(body, '')];
  const extra = Object.keys(body).find((k) => k !== 'events');
  if (extra !== undefined) invalid(`${extra}: not allowed next to events`);
  const list = body.events;
  if (!Array.isArray(list)) invalid('events: must be a list of events');
  if (list.length === 0 || list.length > MAX_EVENTS) invalid(`events: must have 1 to ${MAX_EVENTS} events (got ${list.length})`);
  return list.map((e, i) => readEmailEvent(e, `events[${i}].`));
}

function readEmailEvent(value: unknown, at: string): EmailEvent {
  const field = (name: string) => `${at}${name}`;
  if (!isRecord(value)) invalid(`${at ? at.slice(0, -1) : 'body'}: must be an object {"address", "type", "permanent"?, "reason"?, "message_id"?}`);
  const extra = Object.keys(value).find((k) => !EVENT_KEYS.has(k));
  if (extra !== undefined) invalid(`${field(extra)}: unknown field (known: ${[...EVENT_KEYS].join(', ')})`);
  const { address, type, permanent, reason, message_id: messageId } = value;
  if (typeof address !== 'string' || address.length > 254 || !EMAIL.test(address)) invalid(`${field('address')}: must be an e-mail address`);
  if (type !== 'bounce' && type !== 'complaint') invalid(`${field('type')}: must be "bounce" or "complaint"`);
  if (permanent !== undefined) {
    if (type !== 'bounce') invalid(`${field('permanent')}: only for bounces (a complaint is always recorded)`);
    if (typeof permanent !== 'boolean') invalid(`${field('permanent')}: must be true or false`);
  }
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_REASON)) invalid(`${field('reason')}: must be a string of at most ${MAX_REASON} characters`);
  if (messageId !== undefined && (typeof messageId !== 'string' || messageId === '' || messageId.length > MAX_MESSAGE_ID || /[\x00-\x20\x7f]/.test(messageId))) {
    invalid(`${field('message_id')}: must be a Message-ID (<id@host> or bare, no spaces)`);
  }
  const hard = type === 'complaint' || permanent !== false;
  return {
    // Addresses are matched case-insensitively, as the e-mail channel checks its suppressions.
    address: address.toLowerCase(),
    kind: type,
    permanent: hard,
    reason: typeof reason === 'string' && reason !== '' ? reason : type === 'complaint' ? 'complaint' : hard ? 'hard bounce' : 'soft bounce',
    ...(messageId !== undefined ? { messageId } : {}),
  };
}

// ---- Bodies, negotiation, HTML ------------------------------------------------------------

function rawBody(request: FastifyRequest): string {
  return Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
}

/** The request's media type, lower case, without parameters ('' when absent). */
function mediaType(request: FastifyRequest): string {
  const header = request.headers['content-type'];
  return typeof header === 'string' ? header.split(';')[0]!.trim().toLowerCase() : '';
}

/**
 * An application/x-www-form-urlencoded body as name → value (null prototype, so no name reaches
 * Object.prototype). Undefined when empty or when a name repeats: a callback form never repeats
 * one, and the signature could not be checked over a map that dropped a value.
 */
function parseForm(raw: string): Record<string, string> | undefined {
  if (raw.trim() === '') return undefined;
  const form: Record<string, string> = Object.create(null);
  for (const [name, value] of new URLSearchParams(raw)) {
    if (hasOwn.call(form, name)) return undefined;
    form[name] = value;
  }
  return Object.keys(form).length > 0 ? form : undefined;
}

/** True when the client prefers HTML to JSON (a browser); API clients and `*\/*` get JSON. */
function wantsHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  let html = 0;
  let json = 0;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.trim().toLowerCase().split(';').map((s) => s.trim());
    let q = 1;
    for (const p of params) if (p.startsWith('q=')) q = Number(p.slice(2));
    if (!Number.isFinite(q)) continue;
    if (type === 'text/html' || type === 'application/xhtml+xml') html = Math.max(html, q);
    else if (type === 'application/json') json = Math.max(json, q);
  }
  return html > 0 && html > json;
}

function noStore(reply: FastifyReply): void {
  // The path holds a credential: keep it out of caches and out of Referer headers.
  reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
}

function sendHtml(reply: FastifyReply, html: string): FastifyReply {
  return reply
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
    .header('x-content-type-options', 'nosniff')
    .type('text/html; charset=utf-8')
    .send(html);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CHANNEL_NAMES: Record<string, string> = { push: 'push', email: 'e-mail', sms: 'SMS', webhook: 'webhook', inapp: 'in-app' };

function channelName(channel: string): string {
  return CHANNEL_NAMES[channel] ?? channel;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A self-contained page: inline style, no scripts, no external assets; every text escaped. */
function page(title: string, heading: string, text: string, button?: string, extra = ''): string {
  // The form posts the RFC 8058 one-click body back to this same URL (no action attribute).
  const form = button
    ? `<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">${escapeHtml(button)}</button></form>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#222}button{font:inherit;padding:.5rem 1.2rem;cursor:pointer}th{text-align:left;font-weight:normal;padding-right:2rem}table{margin:1rem 0}</style>
</head><body><h1>${escapeHtml(heading)}</h1>${text ? `<p>${escapeHtml(text)}</p>` : ''}${extra}${form}</body></html>
`;
}

function donePage(link: PreferenceLink, replaced: boolean): string {
  if (replaced) return page('Preferences saved', 'Preferences saved', 'Your notification preferences were updated.');
  const what = link.action === 'unsubscribe-category' ? `You are unsubscribed from ${link.category} notifications.`
    : link.action === 'unsubscribe-channel' ? `You will no longer receive notifications by ${channelName(link.channel!)}.`
    : 'You will no longer receive any notifications.';
  return page('Unsubscribed', 'You are unsubscribed', what);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
