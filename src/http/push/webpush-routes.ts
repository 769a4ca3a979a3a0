import type { FastifyInstance } from 'fastify';
import { HeraldError } from '../../errors/index.js';
import type { HttpDeps } from '../deps.js';
import { sendJson } from '../account/account-routes.js';
import { jsonBody } from '../account/json-body.js';
import { requireAccess } from '../plugins/auth.js';
import { WebPushSubscribeBody, WebPushUnsubscribeBody } from './schemas.js';

/**
 * Browsers on the topics face subscribe to topics with ntfy's shape. A subscription is a device of
 * provider `webpush` (app `default`) with those topics, so every message published to one of them
 * reaches it; read access to each topic is checked as for any other way of reading it.
 */
export function registerWebPushRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const { webPush } = deps;

  app.get('/v1/webpush/vapid', { config: { scope: 'public' } }, async (_request, reply) => {
    if (!webPush) throw new HeraldError('webPushDisabled');
    return sendJson(reply, { public_key: webPush.publicKey });
  });

  app.post('/v1/webpush', { config: { scope: 'topics', rateLimited: true } }, async (request, reply) => {
    if (!webPush) throw new HeraldError('webPushDisabled');
    const body = jsonBody(request, WebPushSubscribeBody);
    for (const topic of body.topics) deps.topics.assertAllowed(topic);
    await requireAccess(deps.auth, request, body.topics, 'read');
    if (!webPush.endpointAllowed(body.endpoint)) {
      throw new HeraldError('deviceTokenInvalid', { detail: 'the endpoint is not a known push service' });
    }
    const p = request.principal;
    const existing = await deps.devices.findWebPush(body.endpoint);
    await deps.devices.register({
      ...(existing ? { id: existing.id } : {}),
      provider: 'webpush',
      platform: 'web',
      token: { endpoint: body.endpoint, keys: { p256dh: body.p256dh, auth: body.auth } },
      topics: body.topics,
      // Whose read access the subscription rests on, so an access change can take topics away again.
      meta: { source: 'topics', ntfy_user: p.userId === null ? '*' : p.name, ntfy_user_id: p.userId },
    });
    return sendJson(reply, { success: true });
  });

  app.delete('/v1/webpush', { config: { scope: 'topics', rateLimited: true } }, async (request, reply) => {
    if (!webPush) throw new HeraldError('webPushDisabled');
    const body = jsonBody(request, WebPushUnsubscribeBody);
    const existing = await deps.devices.findWebPush(body.endpoint);
    // Knowing the endpoint is what proves ownership: it is the subscription's unguessable secret.
    if (existing) await deps.devices.remove(existing.id);
    return sendJson(reply, { success: true });
  });
}
