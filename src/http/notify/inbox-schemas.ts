import { Type } from '@sinclair/typebox';
import { withExample } from '../plugins/schema-routes.js';

/** Request and answer shapes of the in-app inbox and the subscriber links (inbox-routes, intake-routes). */

const TIME = Type.String({ description: 'RFC 3339 time in UTC' });
const ID = Type.String({ minLength: 1, maxLength: 128 });

export const SubscriberParams = Type.Object({ id: ID }, { additionalProperties: false });
export const InboxItemParams = Type.Object({ id: ID, item: ID }, { additionalProperties: false });

export const MAX_INBOX_LIMIT = 200;

// As query parameters arrive, checked as text: `1` is no flag and `2.5` no limit.
const FLAG = Type.Union([Type.Literal('true'), Type.Literal('false')]);

export const InboxListQuery = Type.Object({
  unread: Type.Optional(Type.Union(FLAG.anyOf, { description: '`true`: unread items only; `false` (default): read and unread' })),
  archived: Type.Optional(Type.Union(FLAG.anyOf, { description: '`true`: archived items only; `false` (default): the ones not archived' })),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: `items per page, 1 to ${MAX_INBOX_LIMIT} (default 50)` })),
  cursor: Type.Optional(Type.String({ maxLength: 128, description: 'the next_cursor of a previous page; empty: the first page' })),
}, { additionalProperties: false });

export const InboxPatchBody = withExample(Type.Object({
  read: Type.Optional(Type.Boolean()),
  seen: Type.Optional(Type.Boolean()),
  archived: Type.Optional(Type.Boolean()),
}, { additionalProperties: false, description: 'At least one of the three' }), { read: true });

const INBOX_ITEM = Type.Object({
  id: Type.String(),
  notification_id: Type.Optional(Type.String()),
  category: Type.Optional(Type.String()),
  title: Type.Optional(Type.String()),
  body: Type.String(),
  url: Type.Optional(Type.String()),
  data: Type.Record(Type.String(), Type.Unknown()),
  created_at: TIME,
  seen_at: Type.Optional(TIME),
  read_at: Type.Optional(TIME),
  archived_at: Type.Optional(TIME),
}, { additionalProperties: false, description: 'An item of the in-app inbox' });

const itemExample = {
  id: 'in_5Jq2vV0bX8cN1pLk', notification_id: 'n_7Tz1QfW3mR9sKd2a', category: 'billing', title: 'Invoice ready',
  body: 'Your March invoice is ready.', url: 'https://example.com/invoices/42', data: {}, created_at: '2025-03-01T09:00:00.000Z',
};

export const InboxItemAnswer = withExample(INBOX_ITEM, itemExample);

export const InboxPageAnswer = withExample(Type.Object({
  items: Type.Array(INBOX_ITEM),
  unread: Type.Integer({ minimum: 0, description: 'unread items in the whole inbox' }),
  next_cursor: Type.Optional(Type.String({ description: 'pass as `cursor` for the next page; absent on the last' })),
}, { additionalProperties: false, description: 'A page of the inbox, newest first' }), { items: [itemExample], unread: 1 });

export const ReadAllAnswer = withExample(Type.Object({
  updated: Type.Integer({ minimum: 0, description: 'items marked read now' }),
  unread: Type.Integer({ minimum: 0 }),
}, { additionalProperties: false, description: 'Everything read' }), { updated: 3, unread: 0 });

const STREAM_EXAMPLE = `event: unread\ndata: {"unread":1}\n\n: keepalive\n\nevent: item\ndata: ${JSON.stringify({ item: itemExample, unread: 2 })}\n\n`;

/** The inbox stream's one answer: server-sent events, documented, never serialized. */
export const InboxStreamAnswer = {
  description: 'Server-sent events: `unread` (`{"unread": n}`) on open and whenever the count changes; '
    + '`item` (`{"item": {…}, "unread": n}`, the item as the inbox lists it) for each new item; a `: keepalive` comment at most every 25 s. '
    + 'The stream ends when the credential that opened it stops allowing it, or when the server stops.',
  content: { 'text/event-stream': { schema: Type.String(), example: STREAM_EXAMPLE } },
};
