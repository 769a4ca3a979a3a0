import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../../core/auth/auth-service.js';
import { HeraldError } from '../../errors/index.js';
import type { AccountPrefs, AccountSubscription } from '../../ports/auth-store.js';
import { param } from '../topics/params.js';
import { jsonBody } from './json-body.js';
import { SettingsBody, SubscriptionBody } from './prefs-schemas.js';

const ACCOUNT = { config: { scope: 'account' as const } };

/**
 * What ntfy's web app keeps with the account, so every browser shows the same: its settings
 * (`PATCH /v1/account/settings`) and its subscription list (`POST`/`PATCH`/`DELETE
 * /v1/account/subscription`). Each change is announced on the account's sync topic.
 */
export function registerPrefsRoutes(app: FastifyInstance, auth: AuthService): void {
  app.patch('/v1/account/settings', ACCOUNT, async (request, reply) => {
    requireUser(request);
    const body = jsonBody(request, SettingsBody);
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
    return sendJson(reply, { success: true });
  });

  app.post('/v1/account/subscription', ACCOUNT, async (request, reply) => {
    requireUser(request);
    const added = await auth.addSubscription(request.principal, subscriptionOf(jsonBody(request, SubscriptionBody)));
    return sendJson(reply, subscriptionJson(added));
  });

  app.patch('/v1/account/subscription', ACCOUNT, async (request, reply) => {
    requireUser(request);
    const renamed = await auth.renameSubscription(request.principal, subscriptionOf(jsonBody(request, SubscriptionBody)));
    return sendJson(reply, subscriptionJson(renamed));
  });

  // As in ntfy, the subscription is named by headers (or query parameters): DELETE has no body.
  app.delete('/v1/account/subscription', ACCOUNT, async (request, reply) => {
    requireUser(request);
    const baseUrl = param(request, 'X-BaseURL', 'BaseURL');
    const topic = param(request, 'X-Topic', 'Topic');
    if (!baseUrl || !topic) throw new HeraldError('badRequest', { detail: 'X-BaseURL and X-Topic name the subscription to remove' });
    await auth.removeSubscription(request.principal, { baseUrl, topic });
    return sendJson(reply, { success: true });
  });
}

/** The account's settings and subscriptions as `GET /v1/account` shows them, in ntfy's field names; only what is set. */
export function prefsJson(prefs: AccountPrefs): { language?: string; notification?: Record<string, unknown>; subscriptions?: Record<string, unknown>[] } {
  const out: { language?: string; notification?: Record<string, unknown>; subscriptions?: Record<string, unknown>[] } = {};
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
function subscriptionJson(s: AccountSubscription): Record<string, unknown> {
  return { base_url: s.baseUrl, topic: s.topic, display_name: s.displayName };
}

function sendJson(reply: FastifyReply, body: unknown): FastifyReply {
  return reply.type('application/json').send(`${JSON.stringify(body)}\n`);
}

function requireUser(request: FastifyRequest): void {
  if (request.principal.userId === null) throw new HeraldError('unauthorized');
}
