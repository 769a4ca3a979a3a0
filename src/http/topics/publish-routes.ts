import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Value } from '@sinclair/typebox/value';
import { HeraldError } from '../../errors/index.js';
import { jsonLimitViolation } from '../../util/json-limits.js';
import type { Message } from '../../core/messages/message.js';
import { messageToJson } from '../../core/messages/message.js';
import type { PublishInput } from '../../core/publish/publish-input.js';
import { isValidTopicName } from '../../core/topics/topic-name.js';
import type { HttpDeps } from '../deps.js';
import { params, PUBLISH_ALIASES as A, type ParamSource } from './params.js';
import { JsonPublishBody, SequenceParams, TopicParams } from './schemas.js';
import { requireAccess } from '../plugins/auth.js';

const JSON_PUBLISH_LIMIT = 8192;

/** Reads every publish parameter of a request (headers, then lowercase query). */
export function publishInputFrom(source: ParamSource, topic: string, body: Uint8Array, sender: string): PublishInput {
  const input: PublishInput = { topic, body, sender, ...params(source, A) };
  const host = source.headers.host;
  if (host && /^[A-Za-z0-9.\-:[\]]+$/.test(host)) {
    const proto = source.headers['x-forwarded-proto'];
    input.origin = `${proto === 'https' ? 'https' : 'http'}://${host}`;
  }
  const contentType = source.headers['content-type'];
  if (contentType) input.contentType = contentType;
  const encoding = source.headers['content-encoding'];
  if (typeof encoding === 'string') input.contentEncoding = encoding;
  return input;
}

export function sendMessage(reply: FastifyReply, message: Message): FastifyReply {
  return reply.type('application/json').send(`${messageToJson(message)}\n`);
}

type TopicRequest = FastifyRequest<{ Params: TopicParams }>;
type SequenceRequest = FastifyRequest<{ Params: SequenceParams }>;

function topicOf(request: TopicRequest): string {
  const { topic } = request.params;
  // An invalid name is a path that does not exist (ntfy answers 404, not 400).
  if (!isValidTopicName(topic)) throw new HeraldError('notFound');
  return topic;
}

/**
 * Second path segments that are other routes of a topic (streams, `auth`, GET publishing): they
 * are never read as a sequence ID, so `POST /<topic>/json` stays a 404 as before ntfy 2.16.
 */
const NOT_SEQUENCE_IDS = new Set(['json', 'sse', 'raw', 'ws', 'auth', 'publish', 'send', 'trigger']);

/** The topic and sequence ID of `/<topic>/<sequence_id>[/clear]`; paths that cannot be one are 404. */
function sequencePathOf(request: SequenceRequest, deps: HttpDeps): SequenceParams {
  const { topic, sid } = request.params;
  // Reserved names (`v1`, `file`, …) are the server's own paths: a missing one stays a 404.
  if (!isValidTopicName(topic) || NOT_SEQUENCE_IDS.has(sid) || deps.config.disallowedTopics.includes(topic)) throw new HeraldError('notFound');
  return { topic, sid };
}

function bodyOf(request: FastifyRequest): Uint8Array {
  return Buffer.isBuffer(request.body) ? request.body : new Uint8Array(0);
}

/** `PUT/POST /<topic>`, `GET /<topic>/publish|send|trigger` and the JSON publish `PUT/POST /`. */
export function registerPublishRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const { topics, metrics } = deps;
  const publishBodyLimit = Math.max(deps.config.attachmentFileSizeLimit, deps.config.messageSizeLimit) + 1;

  const publish = async (request: FastifyRequest, reply: FastifyReply, input: PublishInput): Promise<FastifyReply> => {
    await requireAccess(deps.auth, request, [input.topic], 'write');
    const { userId, name } = request.principal;
    if (userId !== null) input.user = { id: userId, name };
    const message = await topics.publish(input, request.visitor);
    metrics.published.inc();
    return sendMessage(reply, message);
  };

  const byPath = async (request: TopicRequest, reply: FastifyReply) =>
    publish(request, reply, publishInputFrom(request, topicOf(request), bodyOf(request), request.visitor.key));

  for (const method of ['PUT', 'POST'] as const) {
    app.route({ method, url: '/:topic', bodyLimit: publishBodyLimit, schema: { params: TopicParams }, config: { rateLimited: true, scope: 'topics', topicMessageParams: true }, handler: byPath });
  }
  // ntfy 2.16: `PUT/POST /<topic>/<sequence_id>` publishes an update of that notification,
  // `PUT/POST /<topic>/<sequence_id>/clear` dismisses it and `DELETE /<topic>/<sequence_id>` deletes it.
  const bySequencePath = async (request: SequenceRequest, reply: FastifyReply) => {
    const { topic, sid } = sequencePathOf(request, deps);
    const input = publishInputFrom(request, topic, bodyOf(request), request.visitor.key);
    input.sequenceId = sid;
    return publish(request, reply, input);
  };
  const sequenceEvent = (kind: 'message_clear' | 'message_delete') => async (request: SequenceRequest, reply: FastifyReply) => {
    const { topic, sid } = sequencePathOf(request, deps);
    await requireAccess(deps.auth, request, [topic], 'write');
    const event = await topics.publishSequenceEvent(topic, sid, kind, request.visitor);
    metrics.published.inc();
    return sendMessage(reply, event);
  };
  const sequenceConfig = { rateLimited: true, scope: 'topics' as const, topicMessageParams: true };
  for (const method of ['PUT', 'POST'] as const) {
    app.route({ method, url: '/:topic/:sid', bodyLimit: publishBodyLimit, schema: { params: SequenceParams }, config: sequenceConfig, handler: bySequencePath });
  }
  // `/read` is ntfy's other name for `/clear`; the GET forms are for webhook senders that can
  // only make GET requests, as GET publishing (`/<topic>/publish`) is.
  for (const verb of ['clear', 'read']) {
    app.route({ method: ['PUT', 'POST', 'GET'], url: `/:topic/:sid/${verb}`, schema: { params: SequenceParams }, config: sequenceConfig, handler: sequenceEvent('message_clear') });
  }
  app.route({ method: 'DELETE', url: '/:topic/:sid', schema: { params: SequenceParams }, config: sequenceConfig, handler: sequenceEvent('message_delete') });
  app.route({ method: 'GET', url: '/:topic/:sid/delete', schema: { params: SequenceParams }, config: sequenceConfig, handler: sequenceEvent('message_delete') });

  for (const verb of ['publish', 'send', 'trigger']) {
    app.get(`/:topic/${verb}`, { schema: { params: TopicParams }, config: { rateLimited: true, scope: 'topics', topicMessageParams: true } }, byPath);
  }

  const byJson = async (request: FastifyRequest, reply: FastifyReply) => {
    const raw = bodyOf(request);
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(raw).toString('utf8'));
    } catch {
      throw new HeraldError('jsonInvalid');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HeraldError('jsonInvalid');
    const tooDeep = jsonLimitViolation(parsed);
    if (tooDeep) throw new HeraldError('jsonInvalid', { detail: tooDeep });
    const body = parsed as Record<string, unknown>;
    if (typeof body.topic !== 'string' || !isValidTopicName(body.topic)) throw new HeraldError('topicInvalid');
    if (!Value.Check(JsonPublishBody, body)) {
      const first = [...Value.Errors(JsonPublishBody, body)][0];
      throw new HeraldError('jsonInvalid', { detail: first ? `${first.path || 'body'}: ${first.message}` : undefined });
    }
    // The JSON fields map onto the header parameters; the request's own headers still apply.
    // A JSON `message` is read as the body would be (trimmed; large ones become attachments).
    const input = publishInputFrom(request, body.topic, Buffer.from(body.message ?? '', 'utf8'), request.visitor.key);
    if (body.title !== undefined) input.title = body.title;
    if (body.priority) input.priority = String(body.priority);
    if (body.tags !== undefined) input.parsedTags = body.tags.map((t) => t.trim()).filter(Boolean);
    if (body.click !== undefined) input.click = body.click;
    if (body.icon !== undefined) input.icon = body.icon;
    if (body.actions !== undefined) input.parsedActions = body.actions;
    if (body.attach !== undefined) input.attach = body.attach;
    if (body.markdown !== undefined) input.markdown = String(body.markdown);
    if (body.filename !== undefined) input.filename = body.filename;
    if (body.email !== undefined) input.email = body.email;
    if (body.call !== undefined) input.call = body.call;
    if (body.delay !== undefined) input.delay = body.delay;
    if (body.cache !== undefined) input.cache = body.cache;
    if (body.firebase !== undefined) input.firebase = body.firebase;
    const sequenceId = body.sequence_id ?? body.sid;
    if (sequenceId !== undefined) input.sequenceId = sequenceId;
    return publish(request, reply, input);
  };
  for (const method of ['PUT', 'POST'] as const) {
    app.route({ method, url: '/', bodyLimit: JSON_PUBLISH_LIMIT, config: { rateLimited: true, jsonPublish: true, scope: 'topics', topicMessageParams: true }, handler: byJson });
  }
}
