import { HeraldError } from '../../errors/index.js';
import type { HttpDeps } from '../deps.js';
import { ERROR_ANSWERS } from '../openapi/error-schema.js';
import { requireAccess } from '../plugins/auth.js';
import { withExample, type SchemaApp } from '../plugins/schema-routes.js';
import { webPushSubscribeExample } from './examples.js';
import { SuccessAnswer, VapidKeyAnswer } from './responses.js';
import { WebPushSubscribeBody, WebPushUnsubscribeBody } from './schemas.js';

const TAGS = ['webpush'];
const SUCCESS = withExample(SuccessAnswer, { success: true });

/**
 * Browsers on the topics face subscribe to topics with ntfy's shape. A subscription is a device of
 * provider `webpush` (app `default`) with those topics, so every message published to one of them
 * reaches it; read access to each topic is checked as for any other way of reading it.
 */
export function registerWebPushRoutes(app: SchemaApp, deps: HttpDeps): void {
  const { webPush } = deps;
  // Checked before the body is: without Web Push no body is worth reading.
  const requireWebPush = async (): Promise<void> => {
    if (!webPush) throw new HeraldError('webPushDisabled');
  };

  app.get('/webpush/vapid', {
    schema: {
      summary: 'The VAPID public key',
      description: 'The application server key browsers subscribe with.',
      tags: TAGS,
      response: { 200: withExample(VapidKeyAnswer, { public_key: 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U' }), ...ERROR_ANSWERS },
    },
    config: { scope: 'public' },
  }, async (_request, reply) => {
    if (!webPush) throw new HeraldError('webPushDisabled');
    return reply.send({ public_key: webPush.publicKey });
  });

  app.post('/webpush', {
    schema: {
      summary: 'Subscribe a browser to topics',
      description: "ntfy's Web Push subscription: the browser receives every message published to the topics, which it must be allowed to read.",
      tags: TAGS,
      body: withExample(WebPushSubscribeBody, webPushSubscribeExample),
      response: { 200: SUCCESS, ...ERROR_ANSWERS },
    },
    config: { scope: 'topics', rateLimited: true },
    preValidation: requireWebPush,
  }, async (request, reply) => {
    if (!webPush) throw new HeraldError('webPushDisabled');
    const body = request.body;
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
    return reply.send({ success: true });
  });

  app.delete('/webpush', {
    schema: {
      summary: 'Unsubscribe a browser',
      description: 'Knowing the endpoint, the subscription\'s secret, is what proves ownership.',
      tags: TAGS,
      body: withExample(WebPushUnsubscribeBody, { endpoint: webPushSubscribeExample.endpoint }),
      response: { 200: SUCCESS, ...ERROR_ANSWERS },
    },
    config: { scope: 'topics', rateLimited: true },
    preValidation: requireWebPush,
  }, async (request, reply) => {
    const existing = await deps.devices.findWebPush(request.body.endpoint);
    if (existing) await deps.devices.remove(existing.id);
    return reply.send({ success: true });
  });
}
