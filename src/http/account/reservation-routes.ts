import type { FastifyInstance } from 'fastify';
import { parsePermission } from '../../core/auth/permissions.js';
import { isValidTopicName } from '../../core/topics/topic-name.js';
import { HeraldError } from '../../errors/index.js';
import { parseBoolean } from '../../util/booleans.js';
import type { HttpDeps } from '../deps.js';
import { sendJson } from './account-routes.js';
import { jsonBody } from './json-body.js';
import { ReservationBody } from './schemas.js';

const ACCOUNT = { config: { scope: 'account' as const } };

/**
 * `POST /v1/account/reservation` and `DELETE /v1/account/reservation/<topic>` (ntfy's topic
 * reservations). As in ntfy they exist whenever accounts do; `enable-reservations` tells the web
 * app to offer them and `GET /v1/account` to list them. Open streams are re-checked after each
 * change, so subscribers who lost read access are closed (ntfy cancels them).
 */
export function registerReservationRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const { reservations } = deps;
  if (!deps.auth || !reservations) return;

  app.post('/v1/account/reservation', ACCOUNT, async (request, reply) => {
    if (request.principal.userId === null) throw new HeraldError('unauthorized');
    const body = jsonBody(request, ReservationBody);
    if (!isValidTopicName(body.topic)) throw new HeraldError('topicInvalid');
    await reservations.reserve(request.principal, body.topic, parsePermission(body.everyone));
    deps.onAccessChange();
    return sendJson(reply, { success: true });
  });

  app.delete('/v1/account/reservation/:topic', ACCOUNT, async (request, reply) => {
    const { topic } = request.params as { topic: string };
    if (!isValidTopicName(topic)) throw new HeraldError('notFound');
    if (request.principal.userId === null) throw new HeraldError('unauthorized');
    await reservations.unreserve(request.principal, topic);
    deps.onAccessChange();
    if (deleteMessagesAsked(request.headers, request.query)) await deps.topics.deleteCachedMessages(topic);
    return sendJson(reply, { success: true });
  });
}

/** `X-Delete-Messages: true` (or `Delete-Messages`, or `?delete-messages=`), ntfy's switch. */
function deleteMessagesAsked(headers: Record<string, string | string[] | undefined>, query: unknown): boolean {
  const q = (query ?? {}) as Record<string, unknown>;
  const raw = headers['x-delete-messages'] ?? headers['delete-messages'] ?? q['x-delete-messages'] ?? q['delete-messages'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return typeof value === 'string' && parseBoolean(value, false);
}
