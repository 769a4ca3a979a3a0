import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { localeProblem, timezoneProblem, type DeviceService } from '../../core/devices/device-service.js';
import type { DeviceFilter, DeviceRecord, DeviceTopicFilter, UserTopicFilter } from '../../ports/device-store.js';
import { badField, method, methodBody, sendResult } from './transport.js';

const PROVIDER = Type.Union([Type.Literal('apns'), Type.Literal('fcm'), Type.Literal('hms'), Type.Literal('webpush')]);
const TOPIC = Type.String({ pattern: '^[-_A-Za-z0-9]{1,64}$' });
const TOPICS = Type.Array(TOPIC, { maxItems: 100 });
const DEVICE_ID = Type.String({ pattern: '^dev_[A-Za-z0-9]{16}$' });
/** Centrifugo's user ids are strings, `""` meaning no user. */
const USER = Type.String({ maxLength: 200 });
const OP = Type.Union([Type.Literal('add'), Type.Literal('remove'), Type.Literal('set')]);
const LIST = <T extends Parameters<typeof Type.Array>[0]>(item: T) => Type.Optional(Type.Array(item, { maxItems: 1000 }));

const DeviceRegister = Type.Object({
  id: Type.Optional(Type.Union([DEVICE_ID, Type.Literal('')])),
  provider: PROVIDER,
  token: Type.String({ minLength: 1, maxLength: 8192 }),
  platform: Type.String({ minLength: 1, maxLength: 32 }),
  user: Type.Optional(USER),
  timezone: Type.Optional(Type.String({ maxLength: 64 })),
  locale: Type.Optional(Type.String({ maxLength: 35 })),
  topics: Type.Optional(TOPICS),
  meta: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.String({ maxLength: 4096 }), { maxProperties: 50 })),
});

const META = Type.Record(Type.String({ maxLength: 100 }), Type.String({ maxLength: 4096 }), { maxProperties: 50 });
const TIMEZONE = Type.String({ maxLength: 64 });
const LOCALE = Type.String({ maxLength: 35 });
const PLATFORM = Type.String({ maxLength: 32 });

const DeviceRemove = Type.Object({ ids: LIST(DEVICE_ID), users: LIST(USER) });

const DeviceUpdate = Type.Object({
  ids: LIST(DEVICE_ID),
  users: LIST(USER),
  user_update: Type.Optional(Type.Object({ user: USER })),
  timezone_update: Type.Optional(Type.Object({ timezone: TIMEZONE })),
  locale_update: Type.Optional(Type.Object({ locale: LOCALE })),
  meta_update: Type.Optional(Type.Object({ meta: META })),
  topics_update: Type.Optional(Type.Object({ op: OP, topics: TOPICS })),
});

const DeviceList = Type.Object({
  filter: Type.Optional(Type.Object({
    ids: LIST(DEVICE_ID),
    providers: LIST(PROVIDER),
    platforms: LIST(PLATFORM),
    users: LIST(USER),
    topics: LIST(TOPIC),
  })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  include_total_count: Type.Optional(Type.Boolean()),
  include_topics: Type.Optional(Type.Boolean()),
  include_meta: Type.Optional(Type.Boolean()),
  include_webpush_keys: Type.Optional(Type.Boolean()),
});

const DeviceTopicList = Type.Object({
  filter: Type.Optional(Type.Object({
    device_ids: LIST(DEVICE_ID),
    device_providers: LIST(PROVIDER),
    device_platforms: LIST(PLATFORM),
    device_users: LIST(USER),
    topics: LIST(TOPIC),
    topic_prefix: Type.Optional(Type.String({ maxLength: 64 })),
  })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  include_device: Type.Optional(Type.Boolean()),
  include_total_count: Type.Optional(Type.Boolean()),
});

const DeviceTopicUpdate = Type.Object({ device_id: DEVICE_ID, op: OP, topics: TOPICS, user: Type.Optional(USER) });
const UserTopicUpdate = Type.Object({ user: USER, op: OP, topics: TOPICS });
const UserTopicList = Type.Object({
  filter: Type.Optional(Type.Object({ users: LIST(USER), topics: LIST(TOPIC), topic_prefix: Type.Optional(Type.String({ maxLength: 64 })) })),
  // The store's cursor holds a user and a topic (JSON), so it may be longer than a device id.
  cursor: Type.Optional(Type.String({ maxLength: 600 })),
  limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  include_total_count: Type.Optional(Type.Boolean()),
});

/** The device registry methods of the Centrifugo face, over the same DeviceService as /v1/devices. */
export function registerDeviceMethods(api: FastifyInstance, devices: DeviceService): void {
  api.post('/api/device_register', method('devices:write'), async (request, reply) => {
    const body = methodBody(request, DeviceRegister);
    checkZoneAndLocale(body.timezone, 'timezone', body.locale, 'locale');
    const { device } = await devices.register({
      ...(body.id ? { id: body.id } : {}),
      provider: body.provider,
      platform: body.platform,
      token: body.provider === 'webpush' ? webPushSubscription(body.token) : body.token,
      ...(body.user !== undefined ? { user: body.user === '' ? null : body.user } : {}),
      ...(body.timezone !== undefined ? { timezone: body.timezone === '' ? null : body.timezone } : {}),
      ...(body.locale !== undefined ? { locale: body.locale === '' ? null : body.locale } : {}),
      ...(body.topics !== undefined ? { topics: body.topics } : {}),
      ...(body.meta !== undefined ? { meta: body.meta } : {}),
    });
    return sendResult(reply, { id: device.id });
  });

  api.post('/api/device_remove', method('devices:write'), async (request, reply) => {
    const body = methodBody(request, DeviceRemove);
    // Centrifugo removes what exists and says nothing of ids it does not know.
    for (const id of new Set(body.ids ?? [])) await devices.remove(id).catch((err: unknown) => ignoreNotFound(err));
    if (body.users?.length) await devices.removeByUsers(body.users.filter((u) => u !== ''));
    return sendResult(reply, {});
  });

  api.post('/api/device_update', method('devices:write'), async (request, reply) => {
    const body = methodBody(request, DeviceUpdate);
    // As device_remove: the user "" (no user) selects nothing, so a stray "" never edits every anonymous device.
    const users = (body.users ?? []).filter((u) => u !== '');
    if (!body.ids?.length && !body.users?.length) throw badField('ids', 'name the devices to update by ids or users');
    const timezone = body.timezone_update ? orNull(body.timezone_update.timezone) : undefined;
    const locale = body.locale_update ? orNull(body.locale_update.locale) : undefined;
    checkZoneAndLocale(timezone, 'timezone_update.timezone', locale, 'locale_update.locale');
    await devices.updateMany({ ...(body.ids ? { ids: body.ids } : {}), users }, {
      ...(body.user_update ? { user: orNull(body.user_update.user) } : {}),
      ...(timezone !== undefined ? { timezone } : {}),
      ...(locale !== undefined ? { locale } : {}),
      ...(body.meta_update ? { meta: body.meta_update.meta } : {}),
      ...(body.topics_update ? { topics: { op: body.topics_update.op, topics: body.topics_update.topics } } : {}),
    });
    return sendResult(reply, {});
  });

  api.post('/api/device_list', method('devices:read'), async (request, reply) => {
    const body = methodBody(request, DeviceList);
    const f = body.filter ?? {};
    const filter: DeviceFilter = {
      ...(f.ids ? { ids: f.ids } : {}),
      ...(f.providers ? { providers: f.providers } : {}),
      ...(f.platforms ? { platforms: f.platforms } : {}),
      ...(f.users ? { users: f.users.map(orNull) } : {}),
      ...(f.topics ? { topics: f.topics } : {}),
    };
    const page = await devices.list({ ...filter, limit: body.limit || 100, ...(body.cursor ? { cursor: body.cursor } : {}) });
    const total = body.include_total_count ? await devices.count(filter) : undefined;
    return sendResult(reply, {
      items: page.devices.map((d) => deviceJson(d, body)),
      ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}),
      ...(total !== undefined ? { total_count: total } : {}),
    });
  });

  api.post('/api/device_topic_list', method('devices:read'), async (request, reply) => {
    const body = methodBody(request, DeviceTopicList);
    const f = body.filter ?? {};
    const filter: DeviceTopicFilter = {
      ...(f.device_ids ? { deviceIds: f.device_ids } : {}),
      ...(f.device_providers ? { providers: f.device_providers } : {}),
      ...(f.device_platforms ? { platforms: f.device_platforms } : {}),
      ...(f.device_users ? { users: f.device_users.map(orNull) } : {}),
      ...(f.topics ? { topics: f.topics } : {}),
      ...(f.topic_prefix ? { topicPrefix: f.topic_prefix } : {}),
    };
    const page = await devices.listDeviceTopics({ ...filter, limit: body.limit || 100, ...(body.cursor ? { cursor: body.cursor } : {}) });
    const total = body.include_total_count ? await devices.countDeviceTopics(filter) : undefined;
    const byId = new Map<string, DeviceRecord>();
    if (body.include_device && page.entries.length > 0) {
      const ids = [...new Set(page.entries.map((e) => e.deviceId))];
      for (const d of (await devices.list({ ids, limit: ids.length })).devices) byId.set(d.id, d);
    }
    return sendResult(reply, {
      items: page.entries.map((e) => {
        const device = byId.get(e.deviceId);
        return { id: `${e.deviceId}:${e.topic}`, device_id: e.deviceId, topic: e.topic, ...(device ? { device: deviceJson(device, {}) } : {}) };
      }),
      ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}),
      ...(total !== undefined ? { total_count: total } : {}),
    });
  });

  api.post('/api/device_topic_update', method('devices:write'), async (request, reply) => {
    const body = methodBody(request, DeviceTopicUpdate);
    await devices.setTopicsOwned(body.device_id, body.topics, body.op, body.user);
    return sendResult(reply, {});
  });

  api.post('/api/user_topic_update', method('devices:write'), async (request, reply) => {
    const body = methodBody(request, UserTopicUpdate);
    // The user "" is EVERY_USER: its topics reach every device, present and future.
    await devices.updateUserTopics(body.user, body.topics, body.op);
    return sendResult(reply, {});
  });

  api.post('/api/user_topic_list', method('devices:read'), async (request, reply) => {
    const body = methodBody(request, UserTopicList);
    const f = body.filter ?? {};
    const filter: UserTopicFilter = {
      ...(f.users ? { users: f.users } : {}),
      ...(f.topics ? { topics: f.topics } : {}),
      ...(f.topic_prefix ? { topicPrefix: f.topic_prefix } : {}),
    };
    const page = await devices.listUserTopics({ ...filter, limit: body.limit || 100, ...(body.cursor ? { cursor: body.cursor } : {}) });
    const total = body.include_total_count ? await devices.countUserTopics(filter) : undefined;
    return sendResult(reply, {
      items: page.bindings.map((b) => ({ id: `${b.user}:${b.topic}`, user: b.user, topic: b.topic })),
      ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}),
      ...(total !== undefined ? { total_count: total } : {}),
    });
  });
}

/** Centrifugo passes a browser's PushSubscription as a JSON string. */
function webPushSubscription(token: string): unknown {
  try {
    return JSON.parse(token);
  } catch {
    throw badField('token', 'a webpush token is the PushSubscription as a JSON string ({"endpoint":…,"keys":{"p256dh":…,"auth":…}})');
  }
}

function ignoreNotFound(err: unknown): void {
  if ((err as { errorName?: string }).errorName !== 'deviceNotFound') throw err;
}

/** DeviceService checks these too; checked here first so the 107 names the field as the caller spelled it. */
function checkZoneAndLocale(timezone: string | null | undefined, timezoneField: string, locale: string | null | undefined, localeField: string): void {
  const zone = timezone ? timezoneProblem(timezone) : undefined;
  if (zone) throw badField(timezoneField, zone);
  const tag = locale ? localeProblem(locale) : undefined;
  if (tag) throw badField(localeField, tag);
}

/** Centrifugo's `""` is "none" for a user, a time zone or a locale. */
function orNull(value: string): string | null {
  return value === '' ? null : value;
}

function deviceJson(d: DeviceRecord, include: { include_topics?: boolean; include_meta?: boolean; include_webpush_keys?: boolean }): Record<string, unknown> {
  return {
    id: d.id,
    provider: d.provider,
    token: d.token,
    platform: d.platform,
    ...(d.user !== null ? { user: d.user } : {}),
    ...(d.timezone !== null ? { timezone: d.timezone } : {}),
    ...(d.locale !== null ? { locale: d.locale } : {}),
    ...(include.include_topics ? { topics: d.topics } : {}),
    ...(include.include_meta ? { meta: d.meta } : {}),
    ...(include.include_webpush_keys && d.keys ? { webpush_keys: JSON.stringify(d.keys) } : {}),
  };
}
