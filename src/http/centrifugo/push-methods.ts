import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { assertCategoryAllowed } from '../../core/keys/categories.js';
import { compilePersonalization } from '../../core/push/personalize.js';
import type { PushRequest } from '../../core/push/push-service.js';
import { HeraldError } from '../../errors/index.js';
import type { Provider } from '../../ports/device-store.js';
import type { ProviderOverrides } from '../../ports/push-sender.js';
import type { HttpDeps } from '../deps.js';
import { auditContext } from '../plugins/audit-context.js';
import { viewerOf } from '../plugins/viewer.js';
import { badField, method, methodBody, sendResult } from './transport.js';

const PROVIDER = Type.Union([Type.Literal('apns'), Type.Literal('fcm'), Type.Literal('hms'), Type.Literal('webpush')]);
const DEVICE_ID = Type.String({ pattern: '^dev_[A-Za-z0-9]{16}$' });
const TOPIC = Type.String({ pattern: '^[-_A-Za-z0-9]{1,64}$' });
const USER = Type.String({ minLength: 1, maxLength: 200 });
/** Centrifugo's uid doubles as Herald's push id, so it follows the push id rule of /v1/push. */
const UID = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' });
const LIST = <T extends Parameters<typeof Type.Array>[0]>(item: T) => Type.Optional(Type.Array(item, { maxItems: 1000 }));
const TOKENS = Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 8192 }), { minItems: 1, maxItems: 1000 }));
const OBJECT = Type.Record(Type.String(), Type.Unknown());
const STRING_MAP = Type.Record(Type.String({ maxLength: 200 }), Type.String({ maxLength: 4096 }), { maxProperties: 100 });
/** Unix seconds, as Centrifugo gives times. */
const UNIX_S = Type.Integer({ minimum: 0, maximum: 1e11 });
/** Accepted so a backend's request is understood; answered 108 until Herald does what they ask. */
const LATER = Type.Optional(Type.Unknown());
/** `{lang: {translations: {var: text}}}`; the language is a BCP 47 tag or its language part. */
const LOCALIZATIONS = Type.Record(
  Type.String({ pattern: '^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8}){0,3}$' }),
  Type.Object({ translations: Type.Record(Type.String({ minLength: 1, maxLength: 200 }), Type.String({ maxLength: 2048 }), { maxProperties: 100 }) }),
  { maxProperties: 200, additionalProperties: false },
);

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
    fcm_topic: LATER,
    fcm_condition: LATER,
    hms_topic: LATER,
    hms_condition: LATER,
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
  limit_strategy: LATER,
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
  api.post('/api/update_push_status', method('push:send'), async (request, reply) => {
    const body = methodBody(request, UpdatePushStatus);
    await push.reportStatus(body.analytics_uid, body.device_id, body.status, undefined, viewerOf(request));
    return sendResult(reply, {});
  });
}

/** A 108 naming the field: a Centrifugo feature Herald does not do yet, so it is refused rather than ignored. */
function notAvailable(field: string, problem: string): HeraldError {
  return new HeraldError('pushFeatureUnavailable', { detail: `${field}: ${problem}` });
}

function pushRequest(body: SendPushNotification, now: number): PushRequest {
  if (body.limit_strategy !== undefined) throw notAvailable('limit_strategy', 'not available yet');
  // Analytics are counted per push, so the analytics id is the uid; another one has nowhere to live yet.
  if (body.analytics_uid !== undefined && body.uid !== undefined && body.analytics_uid !== body.uid) {
    throw notAvailable('analytics_uid', 'an analytics_uid other than uid is not available yet');
  }
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
    to: recipient(body.recipient),
    notification: {},
    overrides: raw,
    ...(personalize ? { personalize } : {}),
    priority: 'normal',
    ...(body.send_at !== undefined ? { sendAt: body.send_at * 1000 } : {}),
    ...(body.notification.expire_at !== undefined ? { expiresAt: body.notification.expire_at * 1000 } : {}),
  };
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
  if (kind === 'fcm_topic' || kind === 'fcm_condition' || kind === 'hms_topic' || kind === 'hms_condition') {
    throw notAvailable(`recipient.${kind}`, 'provider topic and condition sends are not available yet');
  }
  if (kind === 'filter') return filterTargets(r.filter!);
  const tokenKind = kind as 'fcm_tokens' | 'apns_tokens' | 'hms_tokens' | 'webpush_tokens';
  const provider: Provider = ({ fcm_tokens: 'fcm', apns_tokens: 'apns', hms_tokens: 'hms', webpush_tokens: 'webpush' } as const)[tokenKind];
  const tokens = (r[tokenKind] ?? []).map((token, i) => ({ provider, token: provider === 'webpush' ? subscription(token, `recipient.webpush_tokens[${i}]`) : token }));
  return { tokens };
}

/**
 * The filter as a push audience. The audience is a union of devices, users and topics, where
 * Centrifugo's filter intersects its fields: one field at a time is the same send, more are not.
 */
function filterTargets(filter: NonNullable<SendPushNotification['recipient']['filter']>): PushRequest['to'] {
  for (const field of ['providers', 'platforms'] as const) {
    if (filter[field]?.length) throw badField(`recipient.filter.${field}`, 'narrowing a send by provider or platform is not available yet');
  }
  const named = (['ids', 'users', 'topics'] as const).filter((f) => filter[f]?.length);
  if (named.length === 0) throw badField('recipient.filter', 'name ids, users or topics (a send to every device is not available yet)');
  if (named.length > 1) throw badField(`recipient.filter.${named[1]}`, `combining ${named.join(' and ')} in one send is not available yet`);
  const field = named[0]!;
  return field === 'ids' ? { devices: filter.ids! } : field === 'users' ? { users: filter.users! } : { topics: filter.topics! };
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
