import { Type, type Static } from '@sinclair/typebox';
import type { HttpDeps } from '../deps.js';
import { ERROR_ANSWERS } from '../openapi/error-schema.js';
import { withExample, type SchemaApp } from '../plugins/schema-routes.js';
import { viewerOf } from '../plugins/viewer.js';
import { smsSegments } from '../../util/sms.js';
import { previewExample, subscriberExample, templateBodyExample } from './examples.js';
import { subscriberJson } from './directory-routes.js';
import { notificationSummaryJson } from './notify-routes.js';
import { NotificationAnswer, PreviewAnswer, SubscriberAnswer } from './responses.js';

/**
 * The notify routes an operator's console leans on, beside the API a product backend calls:
 * listing and searching subscribers, listing notifications, and rendering a template draft that
 * is not stored yet (an editor's live preview, with problems placed at their line).
 */

const TIME = Type.String({ description: 'RFC 3339 time in UTC' });
const CHANNEL = Type.Union((['push', 'email', 'sms', 'webhook', 'inapp'] as const).map((c) => Type.Literal(c)));

export const SubscriberListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200, description: 'keeps subscribers whose id, e-mail, name or phone contains this, in any case' })),
  cursor: Type.Optional(Type.String({ maxLength: 128, description: '`next_cursor` of the page before' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'default 50' })),
}, { additionalProperties: false });

export const SubscriberListAnswer = Type.Object({
  subscribers: Type.Array(SubscriberAnswer),
  next_cursor: Type.Optional(Type.String({ description: 'pass as `cursor` for the next page' })),
}, { additionalProperties: false, description: 'A page of subscribers in id order' });
type SubscriberListAnswer = Static<typeof SubscriberListAnswer>;

export const NotificationListQuery = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 64, description: '`next_cursor` of the page before' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'default 50' })),
}, { additionalProperties: false });

const NOTIFICATION_SUMMARY = Type.Omit(NotificationAnswer, ['deliveries', 'next_cursor'], { additionalProperties: false });

export const NotificationListAnswer = Type.Object({
  notifications: Type.Array(NOTIFICATION_SUMMARY),
  next_cursor: Type.Optional(Type.String({ description: 'pass as `cursor` for the next page' })),
}, { additionalProperties: false, description: 'A page of notifications, newest first, with counts by recipient state' });
type NotificationListAnswer = Static<typeof NotificationListAnswer>;

export const DraftPreviewBody = Type.Object({
  template: Type.Unknown({ description: 'a template as `PUT /v1/templates/{name}` takes it; its category need not exist' }),
  locale: Type.Optional(Type.String({ maxLength: 64, description: 'render this locale (with fallback); default: the subscriber\'s, else the default locale' })),
  subscriber: Type.Optional(Type.String({ maxLength: 128, description: 'render for this subscriber (its locale, name, data)' })),
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'the notification data' })),
}, { additionalProperties: false });
type DraftPreviewBody = Static<typeof DraftPreviewBody>;

const PROBLEM = Type.Object({
  kind: Type.Union([Type.Literal('parse'), Type.Literal('render'), Type.Literal('shape')], {
    description: 'parse: does not parse (a PUT would refuse it); render: parsed but failed with this data; shape: a field is missing or of the wrong type',
  }),
  channel: Type.Optional(CHANNEL),
  field: Type.Optional(Type.String({ description: 'the field within the channel, e.g. html' })),
  locale: Type.Optional(Type.String({ description: 'the locale whose source has the problem' })),
  line: Type.Optional(Type.Integer({ minimum: 1, description: '1-based, in the field\'s own source' })),
  column: Type.Optional(Type.Integer({ minimum: 1 })),
  message: Type.String(),
}, { additionalProperties: false });

export const DraftPreviewAnswer = Type.Object({
  locale: Type.String({ description: 'the locale whose content was chosen' }),
  channels: PreviewAnswer.properties.channels,
  problems: Type.Array(PROBLEM, { description: 'what kept a channel from rendering; that channel is left out of `channels`' }),
}, { additionalProperties: false, description: 'The draft rendered channel by channel, and what is wrong with it' });
type DraftPreviewAnswer = Static<typeof DraftPreviewAnswer>;

const AT = '2026-12-01T09:00:00.000Z';

const subscriberListExample: SubscriberListAnswer = { subscribers: [subscriberExample], next_cursor: 'user-42' };

const notificationListExample: NotificationListAnswer = {
  notifications: [{
    id: 'n_5Yc2kPq9Wm', template: 'order-shipped', category: 'orders', priority: 'normal', strategy: 'all', to: { subscribers: 2 },
    state: 'done', created_at: AT, recipients: 2, counts: { sent: 1, suppressed: 1 },
  }],
};

const draftBodyExample: DraftPreviewBody = {
  template: { ...templateBodyExample, channels: { ...templateBodyExample.channels, sms: { text: 'Order {{ order ' } } },
  locale: 'fr',
  data: { order: '42' },
};

const draftAnswerExample: DraftPreviewAnswer = {
  locale: 'fr',
  channels: { push: previewExample.channels.push!, email: previewExample.channels.email! },
  problems: [{ kind: 'parse', channel: 'sms', field: 'text', locale: 'en', line: 1, column: 7, message: 'output "{{ order " not closed' }],
};

export function registerConsoleRoutes(app: SchemaApp, deps: HttpDeps): void {
  const { notifyDirectory: directory, notify } = deps;

  app.get('/subscribers', {
    schema: {
      summary: 'List or search subscribers',
      description: 'A page of subscribers in id order; `q` keeps those whose id, e-mail, name or phone contains it.',
      tags: ['subscribers'],
      querystring: SubscriberListQuery,
      response: { 200: withExample(SubscriberListAnswer, subscriberListExample), ...ERROR_ANSWERS },
    },
    config: { scope: 'subscribers:read' },
  }, async (request, reply) => {
    const q = request.query;
    const page = await directory.listSubscribers({ limit: q.limit ?? 50, ...(q.q !== undefined ? { search: q.q } : {}), ...(q.cursor !== undefined ? { cursor: q.cursor } : {}) });
    const answer: SubscriberListAnswer = { subscribers: page.subscribers.map(subscriberJson) };
    if (page.nextCursor !== undefined) answer.next_cursor = page.nextCursor;
    return reply.send(answer);
  });

  app.get('/notify', {
    schema: {
      summary: 'List notifications',
      description: 'Newest first, each with its state and counts by recipient state; `GET /v1/notify/{id}` has the recipients and channels. '
        + 'A key restricted to some categories sees only theirs.',
      tags: ['notify'],
      querystring: NotificationListQuery,
      response: { 200: withExample(NotificationListAnswer, notificationListExample), ...ERROR_ANSWERS },
    },
    config: { scope: 'notify:read' },
  }, async (request, reply) => {
    const q = request.query;
    const page = await notify.list({ limit: q.limit ?? 50, ...(q.cursor !== undefined ? { cursor: q.cursor } : {}) }, viewerOf(request).categories);
    const answer: NotificationListAnswer = {
      notifications: page.items.map(notificationSummaryJson),
    };
    if (page.nextCursor !== undefined) answer.next_cursor = page.nextCursor;
    return reply.send(answer);
  });

  app.post('/templates/preview', {
    schema: {
      summary: 'Render a template draft without storing it',
      description: 'Renders a template that is not stored, channel by channel, with Herald\'s template engine. A channel that does not parse, '
        + 'or fails to render with the data given, is left out and reported in `problems` with its field, locale, line and column; '
        + 'a draft without channels, or with a bad default locale, is a 400.',
      tags: ['templates'],
      body: withExample(DraftPreviewBody, draftBodyExample),
      response: { 200: withExample(DraftPreviewAnswer, draftAnswerExample), ...ERROR_ANSWERS },
    },
    config: { scope: 'templates:read' },
  }, async (request, reply) => {
    const { template, ...input } = request.body;
    const result = await directory.previewDraft(template, input);
    const channels = { ...result.channels } as DraftPreviewAnswer['channels'];
    if (result.channels.sms) {
      const { segments, encoding } = smsSegments(result.channels.sms.text);
      channels.sms = { ...result.channels.sms, segments, encoding };
    }
    return reply.send({ locale: result.locale, channels, problems: result.problems });
  });
}
