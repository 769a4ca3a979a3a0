import { Type } from '@sinclair/typebox';
import type { FastifySchema } from 'fastify';
import { FileParams, JsonPublishBody, SequenceParams, TopicListParams, TopicParams } from '../topics/schemas.js';
import { ErrorAnswer } from './error-schema.js';

/**
 * The ntfy-compatible routes of the topics face, as the API reference shows them. These routes
 * read raw bodies and ntfy's header-or-query parameters themselves, so their schemas here only
 * document (they are never compiled for validation); the route definitions are untouched.
 */

const TAGS = ['topics'];
const ERRORS = { '4xx': ErrorAnswer, '5xx': ErrorAnswer };

const MESSAGE = Type.Object({
  id: Type.String(),
  sequence_id: Type.Optional(Type.String({ description: 'the notification this message updates (ntfy 2.16)' })),
  time: Type.Integer({ description: 'Unix seconds' }),
  expires: Type.Optional(Type.Integer({ description: 'Unix seconds' })),
  event: Type.String({ description: '`message`, or `open`, `keepalive`, `poll_request`, `message_clear`, `message_delete` on streams' }),
  topic: Type.String(),
  title: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  priority: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
  tags: Type.Optional(Type.Array(Type.String())),
  click: Type.Optional(Type.String()),
  icon: Type.Optional(Type.String()),
  actions: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
  attachment: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
}, { description: 'A topic message (ntfy\'s shape)', examples: [{ id: 'sPs71M8A2T', time: 1764579600, expires: 1764622800, event: 'message', topic: 'alerts', title: 'Disk', message: 'Backup finished', priority: 3 }] });

const PUBLISH_QUERY = Type.Object({
  title: Type.Optional(Type.String({ description: 'also X-Title / Title header, `t`' })),
  priority: Type.Optional(Type.String({ description: '1-5 or min|low|default|high|max/urgent; also X-Priority header, `p`' })),
  tags: Type.Optional(Type.String({ description: 'comma-separated; also X-Tags header, `ta`' })),
  delay: Type.Optional(Type.String({ description: 'deliver later: `30m`, `tomorrow 9am`, a Unix time; also X-Delay, `in`, `at`' })),
  click: Type.Optional(Type.String({ description: 'URL opened on click; also X-Click' })),
  attach: Type.Optional(Type.String({ description: 'URL of an attachment; also X-Attach' })),
  filename: Type.Optional(Type.String({ description: 'name of an attached body; also X-Filename' })),
  markdown: Type.Optional(Type.String({ description: '`yes` renders the message as Markdown; also X-Markdown' })),
  cache: Type.Optional(Type.String({ description: '`no` skips the message cache; also X-Cache' })),
});

const PUBLISH_BODY = {
  description: 'The message text, or with a filename (or past the message size) an attachment.',
  content: {
    'text/plain': { schema: { type: 'string', examples: ['Backup finished'] } },
    'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } },
  },
};

const SUBSCRIBE_QUERY = Type.Object({
  poll: Type.Optional(Type.String({ description: '`1`: answer the cached messages and close' })),
  since: Type.Optional(Type.String({ description: '`all`, a duration (`10m`), a Unix time or a message id' })),
  scheduled: Type.Optional(Type.String({ description: '`1`: include messages not yet delivered' })),
  id: Type.Optional(Type.String({ description: 'filter: message id' })),
  message: Type.Optional(Type.String({ description: 'filter: exact message text' })),
  title: Type.Optional(Type.String({ description: 'filter: exact title' })),
  priority: Type.Optional(Type.String({ description: 'filter: any of these priorities (comma-separated)' })),
  tags: Type.Optional(Type.String({ description: 'filter: all of these tags (comma-separated)' })),
});

function stream(summary: string, mediaType: string, example: string): FastifySchema {
  return {
    summary,
    description: 'Streams the messages of one or more topics (comma-separated) as they are published; `poll=1` answers the cached ones and closes.',
    tags: TAGS,
    params: TopicListParams,
    querystring: SUBSCRIBE_QUERY,
    response: { 200: { description: 'The message stream', content: { [mediaType]: { schema: { type: 'string', examples: [example] } } } }, ...ERRORS },
  };
}

const FRAME = '{"id":"sPs71M8A2T","time":1764579600,"event":"message","topic":"alerts","message":"Backup finished"}';

const PUBLISH: FastifySchema = {
  summary: 'Publish to a topic',
  description: 'ntfy\'s publish: the body is the message; parameters come as headers or query parameters.',
  tags: TAGS,
  params: TopicParams,
  querystring: PUBLISH_QUERY,
  body: PUBLISH_BODY,
  response: { 200: MESSAGE, ...ERRORS },
};

const JSON_PUBLISH: FastifySchema = {
  summary: 'Publish as JSON',
  description: 'ntfy\'s JSON publish: the topic and every parameter in one JSON object.',
  tags: TAGS,
  body: Type.Object(JsonPublishBody.properties, { additionalProperties: true, examples: [{ topic: 'alerts', title: 'Disk', message: 'Backup finished', priority: 4, tags: ['floppy_disk'] }] }),
  response: { 200: MESSAGE, ...ERRORS },
};

const SERVICE_STATE = Type.Union([Type.Literal('ok'), Type.Literal('unreachable')]);
const HEALTH = Type.Object({
  healthy: Type.Boolean(),
  database: Type.Optional(SERVICE_STATE),
  redis: Type.Optional(SERVICE_STATE),
}, { examples: [{ healthy: true }] });

const UPDATE: FastifySchema = {
  summary: 'Publish an update of a notification',
  description: 'ntfy 2.16 sequence IDs: a message that replaces the earlier ones with the same `sequence_id` on the devices showing them. Takes the parameters of a publish.',
  tags: TAGS,
  params: SequenceParams,
  querystring: PUBLISH_QUERY,
  body: PUBLISH_BODY,
  response: { 200: MESSAGE, ...ERRORS },
};

function sequenceEvent(summary: string, event: string): FastifySchema {
  return {
    summary,
    description: `Publishes a \`${event}\` event for the notification with this sequence ID; subscribers remove or dismiss it.`,
    tags: TAGS,
    params: SequenceParams,
    response: { 200: { ...MESSAGE, examples: [{ id: 'Kq9tNf2XbC', time: 1764579660, event, topic: 'alerts', sequence_id: 'backup-42' }] }, ...ERRORS },
  };
}

const GET_PUBLISH: FastifySchema = {
  summary: 'Publish with a GET request',
  description: 'For webhook senders that can only send GET: the message is the `message` (or `m`) parameter. Also `/<topic>/send` and `/<topic>/trigger`.',
  tags: TAGS,
  params: TopicParams,
  querystring: Type.Object({ ...PUBLISH_QUERY.properties, message: Type.Optional(Type.String({ description: 'the message text; also `m`' })) }),
  response: { 200: MESSAGE, ...ERRORS },
};

const SUCCESS = Type.Object({ success: Type.Boolean() }, { examples: [{ success: true }] });

const DOCS: Readonly<Record<string, FastifySchema>> = {
  'PUT /:topic/:sid': UPDATE,
  'POST /:topic/:sid': UPDATE,
  'PUT /:topic/:sid/clear': sequenceEvent('Clear (dismiss) a notification', 'message_clear'),
  'DELETE /:topic/:sid': sequenceEvent('Delete a notification', 'message_delete'),
  'GET /:topic/publish': GET_PUBLISH,
  'GET /:topics/auth': {
    summary: 'Check read access',
    description: 'Answers `{"success":true}` when the credentials may read every topic listed (comma-separated), else 401/403. ntfy\'s apps call it before subscribing.',
    tags: TAGS,
    params: TopicListParams,
    response: { 200: SUCCESS, ...ERRORS },
  },
  'GET /file/:name': {
    summary: 'Download an attachment',
    description: 'The file of a message published with an attachment (`/file/<message id>.<ext>`), counted against the uploader\'s bandwidth. Gone once the attachment expires.',
    tags: TAGS,
    params: FileParams,
    response: { 200: { description: 'The file, with its content type and a Content-Disposition naming it', content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } } }, ...ERRORS },
  },
  'POST /_matrix/push/v1/notify': {
    summary: 'Matrix push gateway',
    description: 'A Matrix homeserver posts its notification; the raw JSON is published to the topic named by the pushkey (a UnifiedPush URL on this server). Needs `base-url`.',
    tags: TAGS,
    body: Type.Object({ notification: Type.Object({ devices: Type.Array(Type.Object({ pushkey: Type.String() }, { additionalProperties: true })) }, { additionalProperties: true }) }, { additionalProperties: true, examples: [{ notification: { devices: [{ pushkey: 'https://herald.example/alerts?up=1' }] } }] }),
    response: { 200: Type.Object({ rejected: Type.Array(Type.String()) }, { examples: [{ rejected: [] }] }), ...ERRORS },
  },
  'PUT /:topic': PUBLISH,
  'POST /:topic': PUBLISH,
  'PUT /': JSON_PUBLISH,
  'POST /': JSON_PUBLISH,
  'GET /:topics/json': stream('Subscribe as newline-delimited JSON', 'application/x-ndjson', `${FRAME}\n`),
  'GET /:topics/sse': stream('Subscribe as server-sent events', 'text/event-stream', `event: message\ndata: ${FRAME}\n\n`),
  'GET /:topics/raw': stream('Subscribe as plain text, one message per line', 'text/plain', 'Backup finished\n'),
  'GET /:topics/ws': {
    summary: 'Subscribe over WebSocket',
    description: 'A WebSocket upgrade; each frame is one message as in `/json`. Takes the query parameters of `/json`, and `?auth=` for credentials.',
    tags: TAGS,
    params: TopicListParams,
    querystring: SUBSCRIBE_QUERY,
    response: { 101: { description: 'Switching to WebSocket', type: 'null' }, ...ERRORS },
  },
  'GET /v1/health': {
    summary: 'Health',
    description: 'Readiness of this node: 503 while its database or Redis is out of reach.',
    tags: ['server'],
    response: { 200: { ...HEALTH, description: 'Healthy' }, 503: { ...HEALTH, description: 'Not healthy', examples: [{ healthy: false, database: 'unreachable' }] }, ...ERRORS },
  },
};

/** The documentation of a topics-face route, when it is one of the documented ones. */
export function topicsFaceDocs(methods: readonly string[], url: string): FastifySchema | undefined {
  for (const method of methods) {
    const docs = DOCS[`${method} ${url}`];
    if (docs) return docs;
  }
  return undefined;
}
