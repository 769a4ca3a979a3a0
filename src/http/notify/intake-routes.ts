import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { recordEmailEvents } from '../../core/notify/email-event-input.js';
import { readLinkPost } from '../../core/notify/preference-link-actions.js';
import { PreferenceLinkService } from '../../core/notify/preference-link-service.js';
import { LINK_PATH, preferenceLinkUrl } from '../../core/notify/preference-links.js';
import { HeraldError } from '../../errors/index.js';
import { sendJson } from '../account/account-routes.js';
import { jsonBody } from '../account/json-body.js';
import { ERROR_ANSWERS } from '../openapi/error-schema.js';
import { refuseNul } from '../plugins/nul-guard.js';
import type { SchemaApp } from '../plugins/schema-routes.js';
import type { HttpDeps } from '../deps.js';
import { iso } from '../push/json.js';
import { SubscriberParams } from './inbox-schemas.js';
import { EmailEventsAnswer, EmailEventsBody, LinkAppliedAnswer, LinkBody, LinkIssuedAnswer, LinkPostBody, LinkViewAnswer, SmsStatusAnswer, SmsStatusBody, TokenParams } from './intake-schemas.js';
import { donePage, linkPage, noStore, sendHtml, wantsHtml } from './preference-pages.js';

const AnyBody = Type.Unknown();
const TAGS = ['subscriber-links'];

/** 1000 events with long reasons and message ids fit; the app-wide default (1 MiB) may not. */
const EVENTS_BODY_LIMIT = 4 * 1024 * 1024;
const SMS_STATUS_PATH = '/notify/sms/status';

const hasOwn = Object.prototype.hasOwnProperty;

function linkService(deps: HttpDeps): PreferenceLinkService {
  return new PreferenceLinkService({
    tokens: deps.subscriberTokens,
    clock: deps.clock,
    limits: deps.subscriberLimits,
    directory: deps.notifyDirectory,
    audit: deps.auditTrail,
  });
}

/** `POST /v1/subscribers/{id}/preference-links`: signs a link for a mail (JSON in, JSON out). */
export function registerPreferenceLinkRoutes(app: SchemaApp, deps: HttpDeps): void {
  const links = linkService(deps);
  app.post('/subscribers/:id/preference-links', {
    schema: {
      summary: 'Sign a preference link',
      description: 'A link the subscriber can open without an API key: the List-Unsubscribe target of a mail, or a footer link to their preferences.',
      tags: TAGS,
      params: SubscriberParams,
      body: LinkBody,
      response: { 200: LinkIssuedAnswer, ...ERROR_ANSWERS },
    },
    config: { scope: 'subscribers:write' },
  }, async (request, reply) => {
    const body = request.body;
    const { token, link, expiresAt } = await links.issue(request.params.id, {
      action: body.action,
      ...(body.category !== undefined ? { category: body.category } : {}),
      ...(body.channel !== undefined ? { channel: body.channel } : {}),
      ...(body.expires_in !== undefined ? { expiresIn: body.expires_in } : {}),
    });
    // Without base-url there is no public address to put in a mail: the path alone is answered.
    const base = deps.config.baseUrl;
    return reply.send({
      ...(base ? { url: preferenceLinkUrl(base, token) } : {}),
      path: `${LINK_PATH}${token}`,
      token,
      action: link.action,
      ...(link.category !== undefined ? { category: link.category } : {}),
      ...(link.channel !== undefined ? { channel: link.channel } : {}),
      expires_at: iso(expiresAt ?? null),
    });
  });
}

/**
 * What providers and subscribers report back: SMS status callbacks, bounces, one-click preference
 * links. Registered in a raw-body context (rawSchemaRoutes): the Twilio signature covers the raw
 * form, links take forms (RFC 8058) as well as JSON, and bounces are checked by core, which names
 * each bad field. The rules live in core (preference-link-service, email-event-input) and the
 * pages in preference-pages; this file only reads requests and writes replies.
 */
export function registerNotifyIntakeRoutes(app: SchemaApp, deps: HttpDeps): void {
  const links = linkService(deps);

  // No API key: the token in the path is the credential. GET never changes anything (mail
  // scanners and link previews fetch links); POST applies what the link says.
  app.get('/preferences/:token', {
    schema: {
      summary: 'Open a preference link',
      description: 'JSON or, for a client that prefers text/html, a page. The token in the path is the credential.',
      tags: TAGS,
      params: TokenParams,
      response: { 200: LinkViewAnswer, ...ERROR_ANSWERS },
    },
    config: { scope: 'public' },
  }, async (request, reply) => {
    const { link, expiresAt } = await links.open(request.params.token);
    const prefs = await links.preferences(link);
    noStore(reply);
    if (wantsHtml(request.headers.accept)) return sendHtml(reply, linkPage(link, prefs, await deps.notifyDirectory.listCategories()));
    return sendJson(reply, {
      subscriber: link.subscriber,
      action: link.action,
      ...(link.category !== undefined ? { category: link.category } : {}),
      ...(link.channel !== undefined ? { channel: link.channel } : {}),
      expires_at: iso(expiresAt ?? null),
      preferences: prefs,
    });
  });

  app.post('/preferences/:token', {
    schema: {
      summary: 'Apply a preference link',
      description: 'What mail clients post for RFC 8058 one-click unsubscribe (`List-Unsubscribe=One-Click`, as a form or multipart), '
        + 'or nothing at all: the signed link says what to do. A manage link also takes a whole preferences document as JSON. '
        + 'Answers JSON or, for a client that prefers text/html, a page.',
      tags: TAGS,
      params: TokenParams,
      body: LinkPostBody,
      response: { 200: LinkAppliedAnswer, ...ERROR_ANSWERS },
    },
    config: { scope: 'public' },
  }, async (request, reply) => {
    const { link } = await links.open(request.params.token);
    const post = readLinkPost(link, { mediaType: mediaType(request), raw: rawBody(request), json: () => jsonBody(request, AnyBody) });
    const outcome = await links.apply(link, post, request.ip);
    noStore(reply);
    if (wantsHtml(request.headers.accept)) return sendHtml(reply, donePage(link, post.kind === 'document'));
    return sendJson(reply, { success: true, changed: outcome.changed, preferences: outcome.preferences });
  });

  // ---- Twilio status callbacks --------------------------------------------------------------

  app.post(SMS_STATUS_PATH, {
    schema: {
      summary: 'Take a Twilio status callback',
      description: 'Twilio posts the status of each SMS here as a signed form; the signature (X-Twilio-Signature) is checked over the raw form.',
      tags: TAGS,
      body: SmsStatusBody,
      response: { 200: SmsStatusAnswer, ...ERROR_ANSWERS },
    },
    config: { scope: 'public' },
  }, async (request, reply) => {
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
    return `${base}/v1${SMS_STATUS_PATH}${query}`;
  }

  // ---- Bounces and complaints ---------------------------------------------------------------

  app.post('/notify/email/events', {
    schema: {
      summary: 'Report bounces and complaints',
      description: 'A relay or mail provider reports what happened to mail: hard bounces and complaints suppress the address for e-mail.',
      tags: TAGS,
      body: EmailEventsBody,
      response: { 200: EmailEventsAnswer, ...ERROR_ANSWERS },
    },
    bodyLimit: EVENTS_BODY_LIMIT,
    config: { scope: 'notify:send' },
  }, async (request, reply) => {
    if (rawBody(request) === '') throw new HeraldError('badRequest', { detail: 'body: expected an event {"address", "type"} or {"events": [...]}' });
    return sendJson(reply, { accepted: await recordEmailEvents(deps.notify, jsonBody(request, AnyBody)) });
  });
}

// ---- Bodies ------------------------------------------------------------------------------

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
