import type { AuthService } from '../../core/auth/auth-service.js';
import { HeraldError } from '../../errors/index.js';
import type { AccountPrefs, AccountSubscription } from '../../ports/auth-store.js';
import { ERROR_ANSWERS } from '../openapi/error-schema.js';
import { withExample, type SchemaApp } from '../plugins/schema-routes.js';
import { param } from '../topics/params.js';
import { ACCOUNT, requireUser, SUCCESS, TAGS } from './route-parts.js';
import { subscriptionExample } from './examples.js';
import { SettingsBody, SubscriptionBody, SubscriptionQuery } from './prefs-schemas.js';
import { SubscriptionAnswer } from './responses.js';

const SUBSCRIPTION = { 200: withExample(SubscriptionAnswer, subscriptionExample), ...ERROR_ANSWERS };
const SUBSCRIPTION_BODY = withExample(SubscriptionBody, { base_url: 'https://herald.example.com', topic: 'backups', display_name: 'Backups' });

/**
 * What ntfy's web app keeps with the account, so every browser shows the same: its settings
 * (`PATCH /v1/account/settings`) and its subscription list (`POST`/`PATCH`/`DELETE
 * /v1/account/subscription`). Each change is announced on the account's sync topic.
 */
export function registerPrefsRoutes(app: SchemaApp, auth: AuthService): void {
  app.patch('/account/settings', {
    schema: {
      summary: 'Change the web app\'s settings',
      description: 'Changes only the fields given; unknown fields are ignored, as ntfy ignores them.',
      tags: TAGS,
      body: withExample(SettingsBody, { language: 'en', notification: { sound: 'ding', min_priority: 2, delete_after: 86400 } }),
      response: SUCCESS,
    },
    config: ACCOUNT,
    onRequest: requireUser,
  }, async (request, reply) => {
    const body = request.body;
    const change: Parameters<AuthService['changeSettings']>[1] = {};
    if (body.language !== undefined) change.language = body.language;
    if (body.notification !== undefined) {
      const n = body.notification;
      change.notification = {
        ...(n.sound !== undefined ? { sound: n.sound } : {}),
        ...(n.min_priority !== undefined ? { minPriority: n.min_priority } : {}),
        ...(n.delete_after !== undefined ? { deleteAfter: n.delete_after } : {}),
      };
    }
    await auth.changeSettings(request.principal, change);
    return reply.send({ success: true });
  });

  app.post('/account/subscription', {
    schema: {
      summary: 'Add a synced subscription',
      description: '40903 when the account already has it.',
      tags: TAGS,
      body: SUBSCRIPTION_BODY,
      response: SUBSCRIPTION,
    },
    config: ACCOUNT,
    onRequest: requireUser,
  }, async (request, reply) => {
    const added = await auth.addSubscription(request.principal, subscriptionOf(request.body));
    return reply.send(subscriptionJson(added));
  });

  app.patch('/account/subscription', {
    schema: { summary: 'Rename a synced subscription', tags: TAGS, body: SUBSCRIPTION_BODY, response: SUBSCRIPTION },
    config: ACCOUNT,
    onRequest: requireUser,
  }, async (request, reply) => {
    const renamed = await auth.renameSubscription(request.principal, subscriptionOf(request.body));
    return reply.send(subscriptionJson(renamed));
  });

  // As in ntfy, the subscription is named by headers (or query parameters): DELETE has no body.
  app.delete('/account/subscription', {
    schema: {
      summary: 'Remove a synced subscription',
      description: 'Named by the `X-BaseURL` and `X-Topic` headers (or the `baseurl` and `topic` query parameters); removing one that is not there is no error.',
      tags: TAGS,
      querystring: SubscriptionQuery,
      response: SUCCESS,
    },
    config: ACCOUNT,
    onRequest: requireUser,
  }, async (request, reply) => {
    const baseUrl = param(request, 'X-BaseURL', 'BaseURL');
    const topic = param(request, 'X-Topic', 'Topic');
    if (!baseUrl || !topic) throw new HeraldError('badRequest', { detail: 'X-BaseURL and X-Topic name the subscription to remove' });
    await auth.removeSubscription(request.principal, { baseUrl, topic });
    return reply.send({ success: true });
  });
}

/** The account's settings and subscriptions as `GET /v1/account` shows them, in ntfy's field names; only what is set. */
export function prefsJson(prefs: AccountPrefs): { language?: string; notification?: Record<string, unknown>; subscriptions?: SubscriptionAnswer[] } {
  const out: { language?: string; notification?: Record<string, unknown>; subscriptions?: SubscriptionAnswer[] } = {};
  if (prefs.language !== undefined) out.language = prefs.language;
  if (prefs.notification !== undefined) {
    const n = prefs.notification;
    out.notification = {
      ...(n.sound !== undefined ? { sound: n.sound } : {}),
      ...(n.minPriority !== undefined ? { min_priority: n.minPriority } : {}),
      ...(n.deleteAfter !== undefined ? { delete_after: n.deleteAfter } : {}),
    };
  }
  if (prefs.subscriptions && prefs.subscriptions.length > 0) out.subscriptions = prefs.subscriptions.map(subscriptionJson);
  return out;
}

function subscriptionOf(body: SubscriptionBody): AccountSubscription {
  return { baseUrl: body.base_url, topic: body.topic, displayName: body.display_name ?? null };
}

/** ntfy writes `display_name` always, null when unset. */
function subscriptionJson(s: AccountSubscription): SubscriptionAnswer {
  return { base_url: s.baseUrl, topic: s.topic, display_name: s.displayName };
}
