import type { FastifyInstance } from 'fastify';
import { HeraldError } from '../../errors/index.js';
import { isValidTopicName } from '../../core/topics/topic-name.js';
import type { HttpDeps } from '../deps.js';
import { publishInputFrom } from './publish-routes.js';
import { requireAccess } from '../plugins/auth.js';

const MATRIX_BODY_LIMIT = 4096;

/**
 * The Matrix push gateway (`/_matrix/push/v1/notify`): a homeserver posts its notification, and
 * the raw JSON is published to the topic named by the device's pushkey (a UnifiedPush URL).
 */
export function registerMatrixRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const baseUrl = deps.config.baseUrl.replace(/\/+$/, '');

  app.get('/_matrix/push/v1/notify', { config: { scope: 'public' } }, async (_request, reply) => {
    if (!baseUrl) throw new HeraldError('baseUrlMissing');
    return reply.type('application/json').send('{"unifiedpush":{"gateway":"matrix"}}\n');
  });

  app.post('/_matrix/push/v1/notify', { bodyLimit: 1024 * 1024, config: { rateLimited: true, scope: 'topics' } }, async (request, reply) => {
    if (!baseUrl) throw new HeraldError('baseUrlMissing');
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    if (body.length >= MATRIX_BODY_LIMIT) throw new HeraldError('matrixMessageTooLarge');
    const pushkey = matrixPushkey(body);
    const prefix = `${baseUrl}/`;
    if (!pushkey.startsWith(prefix)) return reply.type('application/json').send(`${JSON.stringify({ rejected: [pushkey] })}\n`);
    const topic = new URL(pushkey).pathname.split('/').filter(Boolean)[0] ?? '';
    if (!isValidTopicName(topic)) return reply.type('application/json').send(`${JSON.stringify({ rejected: [pushkey] })}\n`);
    const input = publishInputFrom(request, topic, body, request.visitor.key);
    input.unifiedPush = '1';
    await requireAccess(deps.auth, request, [topic], 'write');
    await deps.topics.publish(input, request.visitor);
    deps.metrics.published.inc();
    return reply.type('application/json').send('{"rejected":[]}\n');
  });
}

function matrixPushkey(body: Buffer): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HeraldError('matrixMessageInvalid');
  }
  const devices = (parsed as { notification?: { devices?: { pushkey?: unknown }[] } } | null)?.notification?.devices;
  const pushkey = Array.isArray(devices) ? devices[0]?.pushkey : undefined;
  if (typeof pushkey !== 'string' || pushkey === '') throw new HeraldError('matrixMessageInvalid');
  return pushkey;
}
