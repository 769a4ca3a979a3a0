import type { FastifyRequest } from 'fastify';
import { HeraldError } from '../../errors/index.js';
import { scopeAllows, type ApiScope } from '../../core/keys/scopes.js';
import type { PreferencesJson } from '../../core/notify/preferences/preferences.js';
import type { RenderedTemplate } from '../../core/notify/templates/index.js';
import { templateToJson } from '../../core/notify/templates/index.js';
import type { CategoryRecord, SubscriberRecord } from '../../ports/notify-store.js';
import type { HttpDeps } from '../deps.js';
import { ERROR_ANSWERS } from '../openapi/error-schema.js';
import { withExample, type SchemaApp } from '../plugins/schema-routes.js';
import { iso } from '../push/json.js';
import { smsSegments } from '../../util/sms.js';
import {
  categoryBodyExample, categoryExample, exportExample, preferencesExample, previewExample, subscriberBodyExample,
  subscriberExample, templateBodyExample, templateExample, templateListExample,
} from './examples.js';
import {
  CategoryAnswer, CategoryListAnswer, ExportAnswer, PreferencesAnswer, PreviewAnswer, SubscriberAnswer, SuccessAnswer,
  TemplateAnswer, TemplateListAnswer,
} from './responses.js';
import { CategoryBody, NameParams, PreferencesBody, PreviewBody, SubscriberBody, SubscriberParams, TemplateBody } from './schemas.js';

const SUBSCRIBER = withExample(SubscriberAnswer, subscriberExample);
const CATEGORY = withExample(CategoryAnswer, categoryExample);
const TEMPLATE = withExample(TemplateAnswer, templateExample);
const PREFERENCES = withExample(PreferencesAnswer, preferencesExample);
const SUCCESS = withExample(SuccessAnswer, { success: true });
const SUBSCRIBER_TAGS = ['subscribers'];
const TEMPLATE_TAGS = ['templates'];

/** `/v1/subscribers`, `/v1/categories` and `/v1/templates` of the notify face. */
export function registerDirectoryRoutes(app: SchemaApp, deps: HttpDeps): void {
  const { notifyDirectory: directory } = deps;

  app.put('/subscribers/:id', {
    schema: {
      summary: 'Create or replace a subscriber',
      description: 'Creates the subscriber (201) or replaces every field of the one held (200); its preferences are kept.',
      tags: SUBSCRIBER_TAGS,
      params: SubscriberParams,
      body: withExample(SubscriberBody, subscriberBodyExample),
      response: { 200: SUBSCRIBER, 201: SUBSCRIBER, ...ERROR_ANSWERS },
    },
    config: { scope: 'subscribers:write' },
  }, async (request, reply) => {
    const { subscriber, created } = await directory.putSubscriber(request.params.id, request.body);
    return reply.code(created ? 201 : 200).send(subscriberJson(subscriber));
  });

  app.get('/subscribers/:id', {
    schema: { summary: 'Get a subscriber', tags: SUBSCRIBER_TAGS, params: SubscriberParams, response: { 200: SUBSCRIBER, ...ERROR_ANSWERS } },
    config: { scope: 'subscribers:read' },
  }, async (request, reply) => reply.send(subscriberJson(await directory.getSubscriber(request.params.id))));

  app.delete('/subscribers/:id', {
    schema: {
      summary: 'Erase a subscriber',
      description: 'Erases the subscriber with its devices, inbox, preferences and its rows in the delivery log.',
      tags: SUBSCRIBER_TAGS,
      params: SubscriberParams,
      response: { 200: SUCCESS, ...ERROR_ANSWERS },
    },
    config: { scope: 'subscribers:write' },
  }, async (request, reply) => {
    await directory.eraseSubscriber(request.params.id);
    return reply.send({ success: true });
  });

  app.get('/subscribers/:id/export', {
    schema: {
      summary: 'Export what is held about a subscriber',
      tags: SUBSCRIBER_TAGS,
      params: SubscriberParams,
      response: { 200: withExample(ExportAnswer, exportExample), ...ERROR_ANSWERS },
    },
    config: { scope: 'subscribers:read' },
  }, async (request, reply) => {
    const held = await directory.exportSubscriber(request.params.id);
    const answer: ExportAnswer = {
      subscriber: subscriberJson(held.subscriber),
      devices: held.devices.map((d) => ({ id: d.id, app: d.app, provider: d.provider, platform: d.platform, token: d.token, topics: d.topics, state: d.state, created_at: iso(d.createdAt) })),
      topics: held.topics,
      notifications: held.recipients.map((r) => ({ notification_seq: r.notificationSeq, state: r.state, reason: r.reason, created_at: iso(r.createdAt) })),
      deliveries: held.channels.map((c) => ({ notification_seq: c.notificationSeq, channel: c.channel, state: c.state, reason: c.reason, address: c.address, attempts: c.attempts, sent_at: iso(c.sentAt ?? null) })),
      inbox: held.inbox.map((i) => ({ id: i.id, title: i.title, body: i.body, url: i.url, created_at: iso(i.createdAt), read_at: iso(i.readAt ?? null), archived_at: iso(i.archivedAt ?? null) })),
      suppressed_addresses: held.suppressions.map((s) => ({ address: s.address, kind: s.kind, reason: s.reason, at: iso(s.at) })),
    };
    return reply.send(answer);
  });

  // Called by the subscriber's own browser or app with a subscriber token, or by a backend with a key.
  app.get('/subscribers/:id/preferences', {
    schema: {
      summary: "A subscriber's preferences",
      description: 'With an API key holding `subscribers:read`, or with the subscriber token of this subscriber.',
      tags: SUBSCRIBER_TAGS,
      params: SubscriberParams,
      response: { 200: PREFERENCES, ...ERROR_ANSWERS },
      security: [{ apiKey: ['subscribers:read'] }, { subscriberToken: [] }],
    },
    config: { scope: 'subscriber' },
  }, async (request, reply) => {
    const { id } = request.params;
    await actingFor(request, deps, id, 'subscribers:read');
    return reply.send(await directory.getPreferences(id) as PreferencesJson);
  });

  app.put('/subscribers/:id/preferences', {
    schema: {
      summary: "Replace a subscriber's preferences",
      description: 'With an API key holding `subscribers:write`, or with the subscriber token of this subscriber. Answers with the document as held.',
      tags: SUBSCRIBER_TAGS,
      params: SubscriberParams,
      body: withExample(PreferencesBody, preferencesExample),
      response: { 200: PREFERENCES, ...ERROR_ANSWERS },
      security: [{ apiKey: ['subscribers:write'] }, { subscriberToken: [] }],
    },
    config: { scope: 'subscriber' },
  }, async (request, reply) => {
    const { id } = request.params;
    await actingFor(request, deps, id, 'subscribers:write');
    return reply.send(await directory.setPreferences(id, request.body) as PreferencesJson);
  });

  app.put('/categories/:name', {
    schema: {
      summary: 'Create or replace a category',
      description: 'A category names the channels its notifications go to by default, whether preferences may mute it, and an optional digest window.',
      tags: TEMPLATE_TAGS,
      params: NameParams,
      body: withExample(CategoryBody, categoryBodyExample),
      response: { 200: CATEGORY, ...ERROR_ANSWERS },
    },
    config: { scope: 'templates:write' },
  }, async (request, reply) => reply.send(categoryJson(await directory.putCategory(request.params.name, request.body))));

  app.get('/categories', {
    schema: { summary: 'List categories', tags: TEMPLATE_TAGS, response: { 200: withExample(CategoryListAnswer, { categories: [categoryExample] }), ...ERROR_ANSWERS } },
    config: { scope: 'templates:read' },
  }, async (_request, reply) => reply.send({ categories: (await directory.listCategories()).map(categoryJson) }));

  app.get('/categories/:name', {
    schema: { summary: 'Get a category', tags: TEMPLATE_TAGS, params: NameParams, response: { 200: CATEGORY, ...ERROR_ANSWERS } },
    config: { scope: 'templates:read' },
  }, async (request, reply) => reply.send(categoryJson(await directory.getCategory(request.params.name))));

  app.delete('/categories/:name', {
    schema: { summary: 'Delete a category', tags: TEMPLATE_TAGS, params: NameParams, response: { 200: SUCCESS, ...ERROR_ANSWERS } },
    config: { scope: 'templates:write' },
  }, async (request, reply) => {
    await directory.deleteCategory(request.params.name);
    return reply.send({ success: true });
  });

  app.put('/templates/:name', {
    schema: {
      summary: 'Create or replace a template',
      description: 'Every field of every locale is compiled now: a template that does not parse is refused (400 naming the field). Its category must exist.',
      tags: TEMPLATE_TAGS,
      params: NameParams,
      body: withExample(TemplateBody, templateBodyExample),
      response: { 200: TEMPLATE, 201: TEMPLATE, ...ERROR_ANSWERS },
    },
    config: { scope: 'templates:write' },
  }, async (request, reply) => {
    const { template, created } = await directory.putTemplate(request.params.name, request.body);
    return reply.code(created ? 201 : 200).send(templateToJson(template) as TemplateAnswer);
  });

  app.get('/templates', {
    schema: { summary: 'List templates', tags: TEMPLATE_TAGS, response: { 200: withExample(TemplateListAnswer, templateListExample), ...ERROR_ANSWERS } },
    config: { scope: 'templates:read' },
  }, async (_request, reply) => reply.send({ templates: await directory.listTemplates() }));

  app.get('/templates/:name', {
    schema: { summary: 'Get a template', tags: TEMPLATE_TAGS, params: NameParams, response: { 200: TEMPLATE, ...ERROR_ANSWERS } },
    config: { scope: 'templates:read' },
  }, async (request, reply) => reply.send(templateToJson(await directory.getTemplate(request.params.name)) as TemplateAnswer));

  app.delete('/templates/:name', {
    schema: { summary: 'Delete a template', tags: TEMPLATE_TAGS, params: NameParams, response: { 200: SUCCESS, ...ERROR_ANSWERS } },
    config: { scope: 'templates:write' },
  }, async (request, reply) => {
    await directory.deleteTemplate(request.params.name);
    return reply.send({ success: true });
  });

  app.post('/templates/:name/preview', {
    schema: {
      summary: 'Render a template without sending',
      description: 'Renders every channel for a subscriber, or for a bare locale, with the data given.',
      tags: TEMPLATE_TAGS,
      params: NameParams,
      body: withExample(PreviewBody, { subscriber: 'user-42', data: { order: '42' } }),
      response: { 200: withExample(PreviewAnswer, previewExample), ...ERROR_ANSWERS },
    },
    config: { scope: 'templates:read' },
  }, async (request, reply) => reply.send(previewJson(await directory.preview(request.params.name, request.body))));
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

export function subscriberJson(s: SubscriberRecord): SubscriberAnswer {
  return {
    id: s.id, email: s.email, phone: s.phone, name: s.name, locale: s.locale, timezone: s.timezone, webhook_url: s.webhookUrl,
    data: s.data, created_at: iso(s.createdAt), updated_at: iso(s.updatedAt),
  };
}

function categoryJson(c: CategoryRecord): CategoryAnswer {
  return {
    name: c.name, description: c.description, channels: c.channels, critical: c.critical,
    ...(c.digestWindowMs !== undefined ? { digest: { window_ms: c.digestWindowMs } } : {}),
    created_at: iso(c.createdAt), updated_at: iso(c.updatedAt),
  };
}

/** What the SMS costs on the wire: the encoding decides whether a part holds 160 or 70 characters. */
export function previewJson(rendered: RenderedTemplate): PreviewAnswer {
  const { sms } = rendered.channels;
  if (!sms) return { locale: rendered.locale, channels: rendered.channels as PreviewAnswer['channels'] };
  const { segments, encoding } = smsSegments(sms.text);
  return { locale: rendered.locale, channels: { ...rendered.channels, sms: { ...sms, segments, encoding } } };
}
