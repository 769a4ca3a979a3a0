import type { HttpDeps } from '../deps.js';
import { ERROR_ANSWERS } from '../openapi/error-schema.js';
import { withExample, type SchemaApp } from '../plugins/schema-routes.js';
import { deviceExample, deviceListExample, deviceRegisterExample } from './examples.js';
import { deviceJson } from './json.js';
import { DeviceListAnswer, DeviceAnswer, SuccessAnswer, UserTopicsAnswer } from './responses.js';
import { DeviceListQuery, DeviceParams, DevicePatchBody, DeviceRegisterBody, DeviceTopicsBody, UserParams, UserTopicsBody } from './schemas.js';

const READ = { scope: 'devices:read' as const };
const WRITE = { scope: 'devices:write' as const };
const TAGS = ['devices'];
const DEVICE = withExample(DeviceAnswer, deviceExample);
const USER_TOPICS = withExample(UserTopicsAnswer, { user: 'user-42', topics: ['orders', 'news'] });
const SUCCESS = withExample(SuccessAnswer, { success: true });

/** `/v1/devices` and `/v1/users/{user}/topics`: the device registry of the push API. */
export function registerDeviceRoutes(app: SchemaApp, deps: HttpDeps): void {
  const { devices } = deps;

  app.post('/devices', {
    schema: {
      summary: 'Register a device',
      description: 'Registers a device, or updates the one with the same id or token (200 instead of 201).',
      tags: TAGS,
      body: withExample(DeviceRegisterBody, deviceRegisterExample),
      response: { 200: DEVICE, 201: DEVICE, ...ERROR_ANSWERS },
    },
    config: WRITE,
  }, async (request, reply) => {
    const { device, created } = await devices.register(request.body);
    return reply.code(created ? 201 : 200).send(deviceJson(device));
  });

  app.get('/devices', {
    schema: {
      summary: 'List devices',
      tags: TAGS,
      querystring: DeviceListQuery,
      response: { 200: withExample(DeviceListAnswer, deviceListExample), ...ERROR_ANSWERS },
    },
    config: READ,
  }, async (request, reply) => {
    const { include_total_count: withTotal, ...q } = request.query;
    const page = await devices.list({ ...q, limit: q.limit ?? 100 });
    const { limit: _limit, cursor: _cursor, ...filter } = q;
    const total = withTotal ? await devices.count(filter) : undefined;
    return reply.send({
      devices: page.devices.map(deviceJson),
      ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}),
      ...(total !== undefined ? { total_count: total } : {}),
    });
  });

  app.get('/devices/:id', {
    schema: { summary: 'Get a device', tags: TAGS, params: DeviceParams, response: { 200: DEVICE, ...ERROR_ANSWERS } },
    config: READ,
  }, async (request, reply) => reply.send(deviceJson(await devices.get(request.params.id))));

  app.patch('/devices/:id', {
    schema: {
      summary: 'Change a device',
      description: 'Fields left out keep their value; `null` clears one.',
      tags: TAGS,
      params: DeviceParams,
      body: withExample(DevicePatchBody, { topics: ['orders', 'news'], timezone: 'Europe/Lisbon' }),
      response: { 200: DEVICE, ...ERROR_ANSWERS },
    },
    config: WRITE,
  }, async (request, reply) => reply.send(deviceJson(await devices.update(request.params.id, request.body))));

  app.delete('/devices/:id', {
    schema: { summary: 'Remove a device', tags: TAGS, params: DeviceParams, response: { 200: SUCCESS, ...ERROR_ANSWERS } },
    config: WRITE,
  }, async (request, reply) => {
    await devices.remove(request.params.id);
    return reply.send({ success: true });
  });

  app.put('/devices/:id/topics', {
    schema: {
      summary: "Set, add or remove a device's topics",
      tags: TAGS,
      params: DeviceParams,
      body: withExample(DeviceTopicsBody, { topics: ['news'], op: 'add' }),
      response: { 200: DEVICE, ...ERROR_ANSWERS },
    },
    config: WRITE,
  }, async (request, reply) => reply.send(deviceJson(await devices.setTopics(request.params.id, request.body.topics, request.body.op ?? 'set'))));

  app.get('/users/:user/topics', {
    schema: { summary: "A user's topics", description: 'Topics every device of the user receives, besides its own.', tags: TAGS, params: UserParams, response: { 200: USER_TOPICS, ...ERROR_ANSWERS } },
    config: READ,
  }, async (request, reply) => reply.send({ user: request.params.user, topics: await devices.userTopics(request.params.user) }));

  app.put('/users/:user/topics', {
    schema: {
      summary: "Set a user's topics",
      tags: TAGS,
      params: UserParams,
      body: withExample(UserTopicsBody, { topics: ['orders', 'news'] }),
      response: { 200: USER_TOPICS, ...ERROR_ANSWERS },
    },
    config: WRITE,
  }, async (request, reply) => {
    const { user } = request.params;
    return reply.send({ user, topics: await devices.setUserTopics(user, request.body.topics) });
  });
}
