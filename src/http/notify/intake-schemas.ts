import { Type } from '@sinclair/typebox';
import { LINK_ACTIONS } from '../../core/notify/preference-links.js';
import { NOTIFY_CHANNELS } from '../../ports/notify-store.js';
import { withExample } from '../plugins/schema-routes.js';

/**
 * Request and answer shapes of what subscribers and providers send back (intake-routes). The
 * bodies of the raw-body routes are read by their handlers (forms, signatures, core's checks
 * naming each field): their schemas here document those bodies, they do not check them.
 */

const TIME = Type.String({ description: 'RFC 3339 time in UTC' });
const ACTION = Type.Union(LINK_ACTIONS.map((a) => Type.Literal(a)));
const CHANNEL = Type.Union(NOTIFY_CHANNELS.map((c) => Type.Literal(c)));
const CHANNEL_SWITCHES = Type.Record(Type.String({ description: 'a channel' }), Type.Boolean());

export const TokenParams = Type.Object({ token: Type.String({ minLength: 1, description: 'the signed link token (a credential)' }) }, { additionalProperties: false });

export const LinkBody = withExample(Type.Object({
  action: Type.String({ description: LINK_ACTIONS.join(', ') }),
  category: Type.Optional(Type.String({ description: 'for unsubscribe-category' })),
  channel: Type.Optional(Type.String({ description: 'for unsubscribe-channel' })),
  expires_in: Type.Optional(Type.String({ description: 'a duration such as `30d`; `never` for a link that does not expire' })),
}, { additionalProperties: false }), { action: 'unsubscribe-category', category: 'marketing', expires_in: '30d' });

const PREFERENCES = Type.Object({
  enabled: Type.Boolean(),
  channels: CHANNEL_SWITCHES,
  categories: Type.Record(Type.String({ description: 'a category' }), Type.Object({
    enabled: Type.Optional(Type.Boolean()),
    channels: Type.Optional(CHANNEL_SWITCHES),
  }, { additionalProperties: false })),
  quiet_hours: Type.Optional(Type.Object({ start: Type.String(), end: Type.String() }, { additionalProperties: false })),
  frequency_caps: Type.Array(Type.Object({ category: Type.Optional(Type.String()), max: Type.Integer(), per: Type.String() }, { additionalProperties: false })),
  channel_order: Type.Optional(Type.Array(CHANNEL)),
}, { additionalProperties: false, description: "A subscriber's preferences" });

const preferencesExample = { enabled: true, channels: { sms: false }, categories: { marketing: { enabled: false } }, frequency_caps: [] };
const linkToken = 'pl_eyJzIjoidS00MiIsImEiOiJ1bnN1YnNjcmliZS1jYXRlZ29yeSJ9.kq3V0l8mGkO1a2xQ';

const LINK_FIELDS = {
  action: ACTION,
  category: Type.Optional(Type.String()),
  channel: Type.Optional(Type.String()),
  expires_at: Type.Optional(TIME),
};

export const LinkIssuedAnswer = withExample(Type.Object({
  url: Type.Optional(Type.String({ description: 'the link to put in a mail; absent without base-url' })),
  path: Type.String({ description: 'the link without the server\'s address' }),
  token: Type.String(),
  ...LINK_FIELDS,
}, { additionalProperties: false, description: 'A signed preference link' }), {
  url: `https://herald.example.com/v1/preferences/${linkToken}`, path: `/v1/preferences/${linkToken}`, token: linkToken,
  action: 'unsubscribe-category', category: 'marketing', expires_at: '2025-04-01T09:00:00.000Z',
});

const LINK_VIEW = Type.Object({ subscriber: Type.String(), ...LINK_FIELDS, preferences: PREFERENCES }, { additionalProperties: false, description: 'What the link will do, and the preferences it will change' });
const LINK_APPLIED = Type.Object({
  success: Type.Literal(true),
  changed: Type.Boolean({ description: 'false when the preferences already said so' }),
  preferences: PREFERENCES,
}, { additionalProperties: false, description: 'Applied' });

const HTML = Type.String({ description: 'an HTML page' });

/** A link's answers: JSON, or an HTML page for a client that prefers it (a browser). */
export const LinkViewAnswer = {
  description: 'What the link will do (JSON), or a page with a button that does it (HTML, for clients that prefer text/html). Changes nothing.',
  content: {
    'application/json': { schema: LINK_VIEW, example: { subscriber: 'u-42', action: 'unsubscribe-category', category: 'marketing', expires_at: '2025-04-01T09:00:00.000Z', preferences: preferencesExample } },
    'text/html': { schema: HTML, example: '<!doctype html><html>…<form method="post"><button name="List-Unsubscribe" value="One-Click">Unsubscribe</button></form>…</html>' },
  },
};
export const LinkAppliedAnswer = {
  description: 'The link applied (JSON), or a page saying so (HTML, for clients that prefer text/html).',
  content: {
    'application/json': { schema: LINK_APPLIED, example: { success: true, changed: true, preferences: { ...preferencesExample, categories: { marketing: { enabled: false } } } } },
    'text/html': { schema: HTML, example: '<!doctype html><html>…Done: you will no longer receive marketing…</html>' },
  },
};

const ONE_CLICK = Type.Object({ 'List-Unsubscribe': Type.Literal('One-Click') }, { description: 'RFC 8058 one-click unsubscribe, as mail clients post it' });
const ONE_CLICK_EXAMPLE = { 'List-Unsubscribe': 'One-Click' as const };

/**
 * What a POST to a link takes. Every link takes the one-click form or nothing at all (the
 * signed URL says what to do); a manage link also takes a whole preferences document.
 */
export const LinkPostBody = {
  content: {
    'application/x-www-form-urlencoded': { schema: withExample(ONE_CLICK, ONE_CLICK_EXAMPLE) },
    'multipart/form-data': { schema: withExample(ONE_CLICK, ONE_CLICK_EXAMPLE) },
    'application/json': {
      schema: withExample(Type.Union([PREFERENCES, ONE_CLICK], { description: 'A manage link: a preferences document. Other links: nothing, the one-click form, or `{"List-Unsubscribe": "One-Click"}`.' }), preferencesExample),
    },
  },
};

export const SmsStatusBody = {
  content: {
    'application/x-www-form-urlencoded': {
      schema: Type.Object({
        MessageSid: Type.String(),
        MessageStatus: Type.String({ description: 'queued, sent, delivered, undelivered, failed, …' }),
        ErrorCode: Type.Optional(Type.String()),
      }, {
        additionalProperties: Type.String(),
        description: "Twilio's status callback form, signed in X-Twilio-Signature over the URL and every field",
        // Twilio sends more fields than these (AccountSid, To, …), all signed.
        examples: [{ MessageSid: 'SM1f0e8ae6ade43cb3c0ce4525424e404f', MessageStatus: 'delivered', AccountSid: 'AC0123456789abcdef0123456789abcdef' }],
      }),
    },
  },
};

export const SmsStatusAnswer = withExample(Type.Object({
  success: Type.Literal(true),
  matched: Type.Boolean({ description: 'whether a delivery had this MessageSid' }),
}, { additionalProperties: false, description: 'Taken' }), { success: true, matched: true });

const EMAIL_EVENT = Type.Object({
  address: Type.String({ description: 'the e-mail address' }),
  type: Type.Union([Type.Literal('bounce'), Type.Literal('complaint')]),
  permanent: Type.Optional(Type.Boolean({ description: 'bounces only; false: a soft bounce, which suppresses nothing' })),
  reason: Type.Optional(Type.String({ maxLength: 500 })),
  message_id: Type.Optional(Type.String({ maxLength: 998, description: 'the Message-ID of the mail that bounced' })),
}, { additionalProperties: false });

export const EmailEventsBody = {
  content: {
    'application/json': {
      schema: withExample(Type.Union([EMAIL_EVENT, Type.Object({ events: Type.Array(EMAIL_EVENT, { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false })], {
        description: 'One event, or up to 1000 in `events`. A bad event refuses the batch, naming the field.',
      }), { address: 'gone@example.com', type: 'bounce', reason: '550 5.1.1 no such user', message_id: '<n_7Tz1QfW3mR9sKd2a@herald>' }),
    },
  },
};

export const EmailEventsAnswer = withExample(Type.Object({ accepted: Type.Integer({ minimum: 0 }) }, { additionalProperties: false, description: 'Recorded' }), { accepted: 1 });
