import type { IncomingHttpHeaders } from 'node:http';
import { parsePermission } from '../../core/auth/permissions.js';
import { isValidTopicName } from '../../core/topics/topic-name.js';
import { HeraldError } from '../../errors/index.js';
import { parseBoolean } from '../../util/booleans.js';
import type { HttpDeps } from '../deps.js';
import { withExample, type SchemaApp } from '../plugins/schema-routes.js';
import { ACCOUNT, requireUser, SUCCESS, TAGS } from './route-parts.js';
import { ReservationBody, ReservationParams, ReservationQuery } from './schemas.js';

/**
 * `POST /v1/account/reservation` and `DELETE /v1/account/reservation/<topic>` (ntfy's topic
 * reservations). As in ntfy they exist whenever accounts do; `enable-reservations` tells the web
 * app to offer them and `GET /v1/account` to list them. Open streams are re-checked after each
 * change, so subscribers who lost read access are closed (ntfy cancels them).
 */
export function registerReservationRoutes(app: SchemaApp, deps: HttpDeps): void {
  const { reservations } = deps;
  if (!deps.auth || !reservations) return;

  app.post('/account/reservation', {
    schema: {
      summary: 'Reserve a topic',
      description: 'Makes the topic the caller\'s, with `everyone` as what other users may do on it (`read-write`, `read-only`, `write-only`, `deny-all`).',
      tags: TAGS,
      body: withExample(ReservationBody, { topic: 'backups', everyone: 'deny-all' }),
      response: SUCCESS,
    },
    config: ACCOUNT,
    onRequest: requireUser,
  }, async (request, reply) => {
    const body = request.body;
    if (!isValidTopicName(body.topic)) throw new HeraldError('topicInvalid');
    await reservations.reserve(request.principal, body.topic, parsePermission(body.everyone));
    deps.onAccessChange();
    return reply.send({ success: true });
  });

  app.delete('/account/reservation/:topic', {
    schema: {
      summary: 'Give up a reserved topic',
      description: 'With `X-Delete-Messages: true` (or `?delete-messages=true`) the topic\'s cached messages are deleted too.',
      tags: TAGS,
      params: ReservationParams,
      querystring: ReservationQuery,
      response: SUCCESS,
    },
    config: ACCOUNT,
  }, async (request, reply) => {
    const { topic } = request.params;
    // A bad topic name is no such route (404), before the caller is asked who they are.
    if (!isValidTopicName(topic)) throw new HeraldError('notFound');
    if (request.principal.userId === null) throw new HeraldError('unauthorized');
    await reservations.unreserve(request.principal, topic);
    deps.onAccessChange();
    if (deleteMessagesAsked(request.headers, request.query)) await deps.topics.deleteCachedMessages(topic);
    return reply.send({ success: true });
  });
}

/** `X-Delete-Messages: true` (or `Delete-Messages`, or `?delete-messages=`), ntfy's switch. */
function deleteMessagesAsked(headers: IncomingHttpHeaders, query: Record<string, unknown>): boolean {
  const raw = headers['x-delete-messages'] ?? headers['delete-messages'] ?? query['x-delete-messages'] ?? query['delete-messages'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return typeof value === 'string' && parseBoolean(value, false);
}
