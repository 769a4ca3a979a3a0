import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { DeviceService } from '../../core/devices/device-service.js';
import type { DeviceRecord, Provider } from '../../ports/device-store.js';
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

const DeviceRemove = Type.Object({ ids: LIST(DEVICE_ID), users: LIST(USER) });

const DeviceList = Type.Object({
  filter: Type.Optional(Type.Object({
    ids: LIST(DEVICE_ID),
    providers: LIST(PROVIDER),
    platforms: LIST(Type.String({ maxLength: 32 })),
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

const DeviceTopicUpdate = Type.Object({ device_id: DEVICE_ID, op: OP, topics: TOPICS, user: Type.Optional(USER) });
const UserTopicUpdate = Type.Object({ user: USER, op: OP, topics: TOPICS });
const UserTopicList = Type.Object({
  filter: Type.Optional(Type.Object({ users: LIST(USER), topics: LIST(TOPIC), topic_prefix: Type.Optional(Type.String({ maxLength: 64 })) })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  include_total_count: Type.Optional(Type.Boolean()),
});

/** The device registry methods of the Centrifugo face, over the same DeviceService as /v1/devices. */
export function registerDeviceMethods(api: FastifyInstance, devices: DeviceService): void {
  api.post('/api/device_register', method('devices:write'), async (request, reply) => {
    const body = methodBody(request, DeviceRegister);
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

  api.post('/api/device_list', method('devices:read'), async (request, reply) => {
    const body = methodBody(request, DeviceList);
    const filter = body.filter ?? {};
    const limit = body.limit || 100;
    const page = await listDevices(devices, filter, body.cursor, limit);
    const total = body.include_total_count ? await countDevices(devices, filter) : undefined;
    return sendResult(reply, {
      items: page.devices.map((d) => deviceJson(d, body)),
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
    if (body.user === '') throw badField('user', 'bindings for every user ("") are not available yet');
    await devices.updateUserTopics(body.user, body.topics, body.op);
    return sendResult(reply, {});
  });

  api.post('/api/user_topic_list', method('devices:read'), async (request, reply) => {
    const body = methodBody(request, UserTopicList);
    const filter = body.filter ?? {};
    if (!filter.users?.length) throw badField('filter.users', 'name at least one user (listing every binding is not available yet)');
    const items: Array<{ id: string; user: string; topic: string }> = [];
    for (const user of [...new Set(filter.users)].sort()) {
      for (const topic of await devices.userTopics(user)) {
        if (filter.topics?.length && !filter.topics.includes(topic)) continue;
        if (filter.topic_prefix && !topic.startsWith(filter.topic_prefix)) continue;
        items.push({ id: `${user}:${topic}`, user, topic });
      }
    }
    const start = body.cursor ? items.findIndex((i) => i.id === body.cursor) + 1 : 0;
    const limit = body.limit || 100;
    const page = items.slice(start, start + limit);
    const more = start + limit < items.length;
    return sendResult(reply, {
      items: page,
      ...(more ? { next_cursor: page[page.length - 1]!.id } : {}),
      ...(body.include_total_count ? { total_count: items.length } : {}),
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

interface Filter {
  ids?: string[];
  providers?: Provider[];
  platforms?: string[];
  users?: string[];
  topics?: string[];
}

/** The store filters by one value per field; more than one per field is not there yet. */
function single(values: string[] | undefined, field: string): string | undefined {
  if (!values || values.length === 0) return undefined;
  const distinct = [...new Set(values)];
  if (distinct.length > 1) throw badField(`filter.${field}`, 'more than one value is not available yet');
  return distinct[0];
}

function matches(d: DeviceRecord, filter: Filter): boolean {
  return (!filter.providers?.length || filter.providers.includes(d.provider))
    && (!filter.platforms?.length || filter.platforms.includes(d.platform))
    && (!filter.users?.length || filter.users.includes(d.user ?? ''))
    && (!filter.topics?.length || d.topics.some((t) => filter.topics!.includes(t)));
}

async function listDevices(devices: DeviceService, filter: Filter, cursor: string | undefined, limit: number): Promise<{ devices: DeviceRecord[]; nextCursor?: string }> {
  if (filter.ids?.length) {
    // A page of named devices: the ids are the listing, in id order, paged by the last id.
    const ids = [...new Set(filter.ids)].sort().filter((id) => !cursor || id > cursor);
    const found: DeviceRecord[] = [];
    for (const id of ids) {
      const device = await devices.get(id).catch((err: unknown) => ignoreNotFound(err));
      if (device && matches(device, filter)) found.push(device);
      if (found.length > limit) break;
    }
    const page = found.slice(0, limit);
    return found.length > limit ? { devices: page, nextCursor: page[page.length - 1]!.id } : { devices: page };
  }
  const provider = single(filter.providers, 'providers') as Provider | undefined;
  const platform = single(filter.platforms, 'platforms');
  const user = single(filter.users, 'users');
  const topic = single(filter.topics, 'topics');
  return devices.list({
    limit,
    ...(cursor ? { cursor } : {}),
    ...(provider ? { provider } : {}),
    ...(platform ? { platform } : {}),
    ...(user !== undefined ? { user } : {}),
    ...(topic ? { topic } : {}),
  });
}

/** Counted by walking the listing: the store has no count yet. */
async function countDevices(devices: DeviceService, filter: Filter): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await listDevices(devices, filter, cursor, 1000);
    count += page.devices.length;
    cursor = page.nextCursor;
  } while (cursor);
  return count;
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
