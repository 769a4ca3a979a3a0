import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { assertCategoryAllowed } from '../../core/keys/categories.js';
import { providerTopicProblem } from '../../core/push/provider-topics.js';
import { rateKeyProblem } from '../../core/push/delivery-gates.js';
import { compilePersonalization } from '../../core/push/personalize.js';
import type { PushRequest } from '../../core/push/push-service.js';
import { windowProblem } from '../../core/push/send-window.js';
import { HeraldError } from '../../errors/index.js';
import type { Provider } from '../../ports/device-store.js';
import type { ProviderOverrides, PushLimits } from '../../ports/push-sender.js';
import type { HttpDeps } from '../deps.js';
import { auditContext } from '../plugins/audit-context.js';
import { viewerOf } from '../plugins/viewer.js';
import { badField, method, methodBody, sendResult } from './transport.js';

const PROVIDER = Type.Union([Type.Literal('apns'), Type.Literal('fcm'), Type.Literal('hms'), Type.Literal('webpush')]);
const DEVICE_ID = Type.String({ pattern: '^dev_[A-Za-z0-9]{16}$' });
const TOPIC = Type.String({ pattern: '^[-_A-Za-z0-9]{1,64}$' });
/** `""` in a filter stands for devices of no user, as in device_list. */
const USER = Type.String({ maxLength: 200 });
/** Centrifugo's uid doubles as Herald's push id, so it follows the push id rule of /v1/push. */
const UID = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' });
const LIST = <T extends Parameters<typeof Type.Array>[0]>(item: T) => Type.Optional(Type.Array(item, { maxItems: 1000 }));
const TOKENS = Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 8192 }), { minItems: 1, maxItems: 1000 }));
const OBJECT = Type.Record(Type.String(), Type.Unknown());
const STRING_MAP = Type.Record(Type.String({ maxLength: 200 }), Type.String({ maxLength: 4096 }), { maxProperties: 100 });
/** An FCM or HMS topic name or condition; its syntax is checked by the push service's rules, naming the field. */
const PROVIDER_TOPIC = Type.Optional(Type.String({ maxLength: 2048 }));
/** Unix seconds, as Centrifugo gives times. */
const UNIX_S = Type.Integer({ minimum: 0, maximum: 1e11 });
/** `{lang: {translations: {var: text}}}`; the language is a BCP 47 tag or its language part. */
const LOCALIZATIONS = Type.Record(
  Type.String({ pattern: '^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8}){0,3}$' }),
  Type.Object({ translations: Type.Record(Type.String({ minLength: 1, maxLength: 200 }), Type.String({ maxLength: 2048 }), { maxProperties: 100 }) }),
  { maxProperties: 200, additionalProperties: false },
);

/** Per-device rate limits and a local-time window (core/push/delivery-gates.ts); times and key checked below. */
const LimitStrategy = Type.Object({
  rate_limit: Type.Optional(Type.Object({
    key: Type.Optional(Type.String({ maxLength: 200 })),
    policies: Type.Array(Type.Object({
      rate: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
      interval_ms: Type.Integer({ minimum: 1000, maximum: 31 * 86_400_000 }),
    }), { minItems: 1, maxItems: 10 }),
    drop_if_rate_limited: Type.Optional(Type.Boolean()),
  })),
  time_limit: Type.Optional(Type.Object({
    send_after_time: Type.String({ maxLength: 8 }),
    send_before_time: Type.String({ maxLength: 8 }),
    no_tz_send_now: Type.Optional(Type.Boolean()),
  })),
});

const SendPushNotification = Type.Object({
  recipient: Type.Object({
    filter: Type.Optional(Type.Object({
      ids: LIST(DEVICE_ID),
      users: LIST(USER),
      topics: LIST(TOPIC),
      providers: LIST(PROVIDER),
      platforms: LIST(Type.String({ maxLength: 32 })),
    })),
    fcm_tokens: TOKENS,
    apns_tokens: TOKENS,
    hms_tokens: TOKENS,
    webpush_tokens: TOKENS,
    fcm_topic: PROVIDER_TOPIC,
    fcm_condition: PROVIDER_TOPIC,
    hms_topic: PROVIDER_TOPIC,
    hms_condition: PROVIDER_TOPIC,
  }),
  notification: Type.Object({
    expire_at: Type.Optional(UNIX_S),
    fcm: Type.Optional(Type.Object({ message: OBJECT })),
    hms: Type.Optional(Type.Object({ message: OBJECT })),
    apns: Type.Optional(Type.Object({ headers: Type.Optional(STRING_MAP), payload: OBJECT })),
    webpush: Type.Optional(Type.Object({ headers: Type.Optional(STRING_MAP), payload: Type.Union([OBJECT, Type.String({ maxLength: 8192 })]) })),
  }),
  uid: Type.Optional(UID),
  send_at: Type.Optional(UNIX_S),
  analytics_uid: Type.Optional(UID),
  optimize_for_reliability: Type.Optional(Type.Boolean()),
  limit_strategy: Type.Optional(LimitStrategy),
  use_templating: Type.Optional(Type.Boolean()),
  use_meta: Type.Optional(Type.Boolean()),
  localizations: Type.Optional(LOCALIZATIONS),
});
type SendPushNotification = Static<typeof SendPushNotification>;

const CancelPush = Type.Object({ uid: UID });

const UpdatePushStatus = Type.Object({
  analytics_uid: UID,
  status: Type.Union([Type.Literal('delivered'), Type.Literal('interacted')]),
  device_id: DEVICE_ID,
  msg_id: Type.Optional(Type.String({ maxLength: 512 })),
});

/** The push methods of the Centrifugo face, over the same PushService as /v1/push. */
export function registerPushMethods(api: FastifyInstance, deps: HttpDeps): void {
  const { push } = deps;

  api.post('/api/send_push_notification', method('push:send'), async (request, reply) => {
    const body = methodBody(request, SendPushNotification);
    // Centrifugo has no categories: a key limited to some cannot send here, as on /v1 without one.
    assertCategoryAllowed(request.principal.apiKey?.categories, undefined);
    const ctx = auditContext(request);
    const result = await push.send(pushRequest(body, deps.clock.now()), ctx.actor);
    if (result.created) void deps.auditTrail.record(ctx, 'push.send', result.id, { state: result.state, targets: result.targets, face: 'centrifugo' });
    // A repeated uid sends nothing, and answers the same uid, as Centrifugo's idempotency does.
    return sendResult(reply, { uid: result.id });
  });

  api.post('/api/cancel_push', method('push:send'), async (request, reply) => {
    const { uid } = methodBody(request, CancelPush);
    const cancelled = await push.cancel(uid, viewerOf(request));
    await deps.auditTrail.record(auditContext(request), 'push.cancel', uid, { cancelled, face: 'centrifugo' });
    return sendResult(reply, {});
  });

  // The backend relays what the app on the phone reported; the same key that sends may report,
  // as an API key needs push:send on POST /v1/push/{id}/status: the report writes analytics.
  // msg_id is accepted and not used: the delivery is named by push and device already, and the id
  // an app sees is not always the one the provider answered Herald with (FCM gives the app a bare
  // message id, Herald a resource name), so comparing them would refuse genuine reports.
  api.post('/api/update_push_status', method('push:send'), async (request, reply) => {
    const body = methodBody(request, UpdatePushStatus);
    await push.reportAnalyticsStatus(body.analytics_uid, body.device_id, body.status, viewerOf(request));
    return sendResult(reply, {});
  });
}

function pushRequest(body: SendPushNotification, now: number): PushRequest {
  // Without a uid the analytics_uid names the push, so a resend of it is idempotent as a uid's is.
  const id = body.uid ?? body.analytics_uid;
  const n = body.notification;
  if (!n.fcm && !n.hms && !n.apns && !n.webpush) throw badField('notification', 'give at least one of fcm, hms, apns, webpush');
  // Checked here as well as by the push service, so the message names Centrifugo's field.
  if (n.expire_at !== undefined && n.expire_at * 1000 <= Math.max(now, (body.send_at ?? 0) * 1000)) {
    throw badField('notification.expire_at', 'must be in the future and after send_at');
  }
  const raw = overrides(body.notification);
  const personalize = personalization(body, raw);
  return {
    ...(id !== undefined ? { id } : {}),
    ...(body.analytics_uid !== undefined ? { analyticsId: body.analytics_uid } : {}),
    to: recipient(body.recipient),
    notification: {},
    overrides: raw,
    ...(personalize ? { personalize } : {}),
    priority: 'normal',
    ...(body.send_at !== undefined ? { sendAt: body.send_at * 1000 } : {}),
    ...(body.notification.expire_at !== undefined ? { expiresAt: body.notification.expire_at * 1000 } : {}),
    ...(body.limit_strategy !== undefined ? { limits: limits(body.limit_strategy) } : {}),
  };
}

/** Centrifugo's limit strategy as the push's delivery gates; they act on registry devices (`filter` sends). */
function limits(strategy: Static<typeof LimitStrategy>): PushLimits {
  const out: PushLimits = {};
  const time = strategy.time_limit;
  if (time) {
    const problem = windowProblem(time.send_after_time, time.send_before_time);
    if (problem) throw badField(`limit_strategy.time_limit.${problem.field === 'after' ? 'send_after_time' : 'send_before_time'}`, problem.problem);
    out.window = { after: time.send_after_time, before: time.send_before_time, noZoneSendNow: time.no_tz_send_now === true };
  }
  const rate = strategy.rate_limit;
  if (rate) {
    // An empty key is Go's zero value: the default, per device.
    const key = rate.key === undefined || rate.key === '' ? undefined : rate.key;
    const keyProblem = key === undefined ? undefined : rateKeyProblem(key);
    if (keyProblem) throw badField('limit_strategy.rate_limit.key', keyProblem);
    out.rate = {
      ...(key !== undefined ? { key } : {}),
      policies: rate.policies.map((p) => ({ rate: p.rate, intervalMs: p.interval_ms })),
      drop: rate.drop_if_rate_limited === true,
    };
  }
  return out;
}

/**
 * Templating is off unless asked for; localizations turn it on by themselves, as in Centrifugo.
 * Templates are checked here too, so a bad one is named where the caller wrote it (`notification.fcm…`).
 */
function personalization(body: SendPushNotification, raw: ProviderOverrides): PushRequest['personalize'] {
  if (body.use_templating !== true && body.localizations === undefined) return undefined;
  const localizations: Record<string, Record<string, string>> = {};
  for (const [lang, l] of Object.entries(body.localizations ?? {})) localizations[lang] = l.translations;
  const settings = { useMeta: body.use_meta === true, localizations };
  compilePersonalization({ id: '', notification: {}, overrides: raw, priority: 'normal' }, settings, 'notification.');
  return settings;
}

function recipient(r: SendPushNotification['recipient']): PushRequest['to'] {
  const given = Object.entries(r).filter(([, v]) => v !== undefined).map(([k]) => k);
  if (given.length !== 1) throw badField('recipient', `exactly one of filter, fcm_tokens, fcm_topic, fcm_condition, hms_tokens, hms_topic, hms_condition, apns_tokens, webpush_tokens (got ${given.length === 0 ? 'none' : given.join(', ')})`);
  const kind = given[0]!;
  if (kind === 'fcm_topic' || kind === 'fcm_condition' || kind === 'hms_topic' || kind === 'hms_condition') return providerTopic(kind, r[kind]!);
  if (kind === 'filter') return filterTargets(r.filter!);
  const tokenKind = kind as 'fcm_tokens' | 'apns_tokens' | 'hms_tokens' | 'webpush_tokens';
  const provider: Provider = ({ fcm_tokens: 'fcm', apns_tokens: 'apns', hms_tokens: 'hms', webpush_tokens: 'webpush' } as const)[tokenKind];
  const tokens = (r[tokenKind] ?? []).map((token, i) => ({ provider, token: provider === 'webpush' ? subscription(token, `recipient.webpush_tokens[${i}]`) : token }));
  return { tokens };
}

/** One FCM or HMS topic or condition, sent through the `default` app of the provider as Centrifugo has one per provider. */
function providerTopic(field: 'fcm_topic' | 'fcm_condition' | 'hms_topic' | 'hms_condition', value: string): PushRequest['to'] {
  const provider = field.startsWith('fcm') ? 'fcm' : 'hms';
  const kind = field.endsWith('topic') ? 'topic' : 'condition';
  const problem = providerTopicProblem(provider, kind, value);
  if (problem) throw badField(`recipient.${field}`, problem);
  return { providerTopics: [{ provider, kind, value }] };
}

/**
 * The filter as a push audience of its own: its fields intersect, each matching any of its values,
 * and an empty filter is every device, as Centrifugo's device_list reads the same filter.
 */
function filterTargets(filter: NonNullable<SendPushNotification['recipient']['filter']>): PushRequest['to'] {
  return {
    filter: {
      ...(filter.ids?.length ? { ids: filter.ids } : {}),
      ...(filter.users?.length ? { users: filter.users.map((u) => (u === '' ? null : u)) } : {}),
      ...(filter.topics?.length ? { topics: filter.topics } : {}),
      ...(filter.providers?.length ? { providers: filter.providers } : {}),
      ...(filter.platforms?.length ? { platforms: filter.platforms } : {}),
    },
  };
}

/** Centrifugo passes a browser's PushSubscription as a JSON string. */
function subscription(token: string, field: string): unknown {
  try {
    return JSON.parse(token);
  } catch {
    throw badField(field, 'a webpush token is the PushSubscription as a JSON string ({"endpoint":…,"keys":{"p256dh":…,"auth":…}})');
  }
}

function overrides(n: SendPushNotification['notification']): ProviderOverrides {
  return {
    ...(n.apns ? { apns: { ...(n.apns.headers ? { headers: n.apns.headers } : {}), payload: n.apns.payload } } : {}),
    ...(n.fcm ? { fcm: { message: n.fcm.message } } : {}),
    ...(n.hms ? { hms: { message: n.hms.message } } : {}),
    ...(n.webpush ? { webpush: webPush(n.webpush) } : {}),
  };
}

/** Web Push headers Herald sets itself from these fields; any other header has no place yet. */
function webPush(w: NonNullable<SendPushNotification['notification']['webpush']>): NonNullable<ProviderOverrides['webpush']> {
  let payload = w.payload;
  if (typeof payload === 'string') {
    try {
      payload = JSON.parse(payload) as Record<string, unknown>;
    } catch {
      throw badField('notification.webpush.payload', 'a JSON object, or a JSON string of one');
    }
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw badField('notification.webpush.payload', 'a JSON object, or a JSON string of one');
  }
  const out: NonNullable<ProviderOverrides['webpush']> = { payload };
  for (const [name, value] of Object.entries(w.headers ?? {})) {
    const field = `notification.webpush.headers.${name}`;
    const header = name.toLowerCase();
    if (header === 'ttl') {
      if (!/^\d{1,7}$/.test(value) || Number(value) > 2_419_200) throw badField(field, 'seconds from 0 to 2419200');
      out.ttl = Number(value);
    } else if (header === 'urgency') {
      if (!['very-low', 'low', 'normal', 'high'].includes(value)) throw badField(field, 'one of very-low, low, normal, high');
      out.urgency = value as 'normal';
    } else if (header === 'topic') {
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(value)) throw badField(field, 'up to 32 base64url characters');
      out.topic = value;
    } else {
      throw badField(field, 'only TTL, Urgency and Topic are supported');
    }
  }
  return out;
}
