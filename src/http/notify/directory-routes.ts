import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HeraldError } from '../../errors/index.js';
import { scopeAllows, type ApiScope } from '../../core/keys/scopes.js';
import { Type } from '@sinclair/typebox';
import type { CategoryRecord, SubscriberRecord } from '../../ports/notify-store.js';
import { templateToJson } from '../../core/notify/templates/index.js';
import type { HttpDeps } from '../deps.js';
import { sendJson } from '../account/account-routes.js';
import { jsonBody } from '../account/json-body.js';
import { iso } from '../push/json.js';
import { smsSegments } from '../../util/sms.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Optional(Type.Union([t, Type.Null()]));
const SubscriberBody = Type.Object({
  email: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  name: Nullable(Type.String()),
  locale: Nullable(Type.String()),
  timezone: Nullable(Type.String()),
  webhook_url: Nullable(Type.String()),
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
}, { additionalProperties: false });
const CategoryBody = Type.Object({
  description: Type.Optional(Type.String()),
  channels: Type.Optional(Type.Array(Type.String(), { maxItems: 5 })),
  critical: Type.Optional(Type.Boolean()),
  digest: Type.Optional(Type.Union([Type.Object({ window: Type.String() }, { additionalProperties: false }), Type.Null()])),
}, { additionalProperties: false });
const PreviewBody = Type.Object({
  subscriber: Type.Optional(Type.String()),
  locale: Type.Optional(Type.String()),
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
}, { additionalProperties: false });
const AnyBody = Type.Unknown();
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });

/** `/v1/subscribers`, `/v1/categories` and `/v1/templates` of the notify face. */
export function registerDirectoryRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const { notifyDirectory: directory } = deps;

  app.put('/v1/subscribers/:id', { schema: { params: IdParams }, config: { scope: 'subscribers:write' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const { subscriber, created } = await directory.putSubscriber(id, jsonBody(request, SubscriberBody));
    return sendJson(reply.code(created ? 201 : 200), subscriberJson(subscriber));
  });
  app.get('/v1/subscribers/:id', { schema: { params: IdParams }, config: { scope: 'subscribers:read' } }, async (request, reply) =>
    sendJson(reply, subscriberJson(await directory.getSubscriber((request.params as { id: string }).id))));
  app.delete('/v1/subscribers/:id', { schema: { params: IdParams }, config: { scope: 'subscribers:write' } }, async (request, reply) => {
    await directory.eraseSubscriber((request.params as { id: string }).id);
    return sendJson(reply, { success: true });
  });
  app.get('/v1/subscribers/:id/export', { schema: { params: IdParams }, config: { scope: 'subscribers:read' } }, async (request, reply) => {
    const held = await directory.exportSubscriber((request.params as { id: string }).id);
    return sendJson(reply, {
      subscriber: subscriberJson(held.subscriber),
      devices: held.devices.map((d) => ({ id: d.id, app: d.app, provider: d.provider, platform: d.platform, token: d.token, topics: d.topics, state: d.state, created_at: iso(d.createdAt) })),
      topics: held.topics,
      notifications: held.recipients.map((r) => ({ notification_seq: r.notificationSeq, state: r.state, reason: r.reason, created_at: iso(r.createdAt) })),
      deliveries: held.channels.map((c) => ({ notification_seq: c.notificationSeq, channel: c.channel, state: c.state, reason: c.reason, address: c.address, attempts: c.attempts, sent_at: iso(c.sentAt ?? null) })),
      inbox: held.inbox.map((i) => ({ id: i.id, title: i.title, body: i.body, url: i.url, created_at: iso(i.createdAt), read_at: iso(i.readAt ?? null), archived_at: iso(i.archivedAt ?? null) })),
      suppressed_addresses: held.suppressions.map((s) => ({ address: s.address, kind: s.kind, reason: s.reason, at: iso(s.at) })),
    });
  });

  // Called by the subscriber's own browser or app with a subscriber token, or by a backend with a key.
  app.get('/v1/subscribers/:id/preferences', { schema: { params: IdParams }, config: { scope: 'subscriber' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    await actingFor(request, deps, id, 'subscribers:read');
    return sendJson(reply, await directory.getPreferences(id));
  });
  app.put('/v1/subscribers/:id/preferences', { schema: { params: IdParams }, config: { scope: 'subscriber' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    await actingFor(request, deps, id, 'subscribers:write');
    return sendJson(reply, await directory.setPreferences(id, jsonBody(request, AnyBody)));
  });

  app.put('/v1/categories/:name', { schema: { params: NameParams }, config: { scope: 'templates:write' } }, async (request, reply) =>
    sendJson(reply, categoryJson(await directory.putCategory((request.params as { name: string }).name, jsonBody(request, CategoryBody)))));
  app.get('/v1/categories', { config: { scope: 'templates:read' } }, async (_request, reply) =>
    sendJson(reply, { categories: (await directory.listCategories()).map(categoryJson) }));
  app.get('/v1/categories/:name', { schema: { params: NameParams }, config: { scope: 'templates:read' } }, async (request, reply) =>
    sendJson(reply, categoryJson(await directory.getCategory((request.params as { name: string }).name))));
  app.delete('/v1/categories/:name', { schema: { params: NameParams }, config: { scope: 'templates:write' } }, async (request, reply) => {
    await directory.deleteCategory((request.params as { name: string }).name);
    return sendJson(reply, { success: true });
  });

  app.put('/v1/templates/:name', { schema: { params: NameParams }, config: { scope: 'templates:write' } }, async (request, reply) => {
    const { template, created } = await directory.putTemplate((request.params as { name: string }).name, jsonBody(request, AnyBody));
    return sendJson(reply.code(created ? 201 : 200), templateToJson(template));
  });
  app.get('/v1/templates', { config: { scope: 'templates:read' } }, async (_request, reply) =>
    sendJson(reply, { templates: await directory.listTemplates() }));
  app.get('/v1/templates/:name', { schema: { params: NameParams }, config: { scope: 'templates:read' } }, async (request, reply) =>
    sendJson(reply, templateToJson(await directory.getTemplate((request.params as { name: string }).name))));
  app.delete('/v1/templates/:name', { schema: { params: NameParams }, config: { scope: 'templates:write' } }, async (request, reply) => {
    await directory.deleteTemplate((request.params as { name: string }).name);
    return sendJson(reply, { success: true });
  });
  app.post('/v1/templates/:name/preview', { schema: { params: NameParams }, config: { scope: 'templates:read' } }, async (request, reply) => {
    const body = jsonBody(request, PreviewBody);
    const rendered = await directory.preview((request.params as { name: string }).name, body);
    const { sms } = rendered.channels;
    // What the SMS costs on the wire: the encoding decides whether a part holds 160 or 70 characters.
    const channels = sms ? { ...rendered.channels, sms: { ...sms, ...smsSegmentsJson(sms.text) } } : rendered.channels;
    return sendJson(reply, { locale: rendered.locale, channels });
  });
}

/**
 * Lets the call through for an admin, an API key with `scope`, or the subscriber token of the
 * subscriber named in the path (a token for someone else is refused like no token at all).
 */
export async function actingFor(request: FastifyRequest, deps: HttpDeps, subscriber: string, scope: ApiScope): Promise<void> {
  const p = request.principal;
  if (p.role === 'admin') return;
  if (p.apiKey) {
    if (!scopeAllows(p.apiKey.scopes, scope)) throw new HeraldError('scopeMissing', { detail: `needs ${scope}` });
    return;
  }
  if (!p.subscriberToken || !deps.subscriberTokens.verify(subscriber, p.subscriberToken)) throw new HeraldError('unauthorized');
  await deps.subscriberLimits.take(subscriber, deps.clock.now());
}

function subscriberJson(s: SubscriberRecord): Record<string, unknown> {
  return {
    id: s.id, email: s.email, phone: s.phone, name: s.name, locale: s.locale, timezone: s.timezone, webhook_url: s.webhookUrl,
    data: s.data, created_at: iso(s.createdAt), updated_at: iso(s.updatedAt),
  };
}

function categoryJson(c: CategoryRecord): Record<string, unknown> {
  return {
    name: c.name, description: c.description, channels: c.channels, critical: c.critical,
    ...(c.digestWindowMs !== undefined ? { digest: { window_ms: c.digestWindowMs } } : {}),
    created_at: iso(c.createdAt), updated_at: iso(c.updatedAt),
  };
}

function smsSegmentsJson(text: string): { segments: number; encoding: string } {
  const { segments, encoding } = smsSegments(text);
  return { segments, encoding };
}
