import type { FastifyInstance } from 'fastify';
import type { DeviceChanges } from '../../ports/device-store.js';
import type { HttpDeps } from '../deps.js';
import { sendJson } from '../account/account-routes.js';
import { jsonBody } from '../account/json-body.js';
import { deviceJson } from './json.js';
import { DeviceListQuery, DeviceParams, DevicePatchBody, DeviceRegisterBody, DeviceTopicsBody, UserParams, UserTopicsBody } from './schemas.js';

const READ = { scope: 'devices:read' as const };
const WRITE = { scope: 'devices:write' as const };

/** `/v1/devices` and `/v1/users/{user}/topics`: the device registry of the push API. */
export function registerDeviceRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const { devices } = deps;

  app.post('/v1/devices', { config: WRITE }, async (request, reply) => {
    const body = jsonBody(request, DeviceRegisterBody);
    const { device, created } = await devices.register(body);
    return sendJson(reply.code(created ? 201 : 200), deviceJson(device));
  });

  app.get('/v1/devices', { schema: { querystring: DeviceListQuery }, config: READ }, async (request, reply) => {
    const { include_total_count: withTotal, ...q } = request.query as DeviceListQuery;
    const page = await devices.list({ ...q, limit: q.limit ?? 100 });
    const { limit: _limit, cursor: _cursor, ...filter } = q;
    const total = withTotal ? await devices.count(filter) : undefined;
    return sendJson(reply, {
      devices: page.devices.map(deviceJson),
      ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}),
      ...(total !== undefined ? { total_count: total } : {}),
    });
  });

  app.get('/v1/devices/:id', { schema: { params: DeviceParams }, config: READ }, async (request, reply) =>
    sendJson(reply, deviceJson(await devices.get((request.params as { id: string }).id))));

  app.patch('/v1/devices/:id', { schema: { params: DeviceParams }, config: WRITE }, async (request, reply) => {
    const body = jsonBody(request, DevicePatchBody) as DeviceChanges;
    return sendJson(reply, deviceJson(await devices.update((request.params as { id: string }).id, body)));
  });

  app.delete('/v1/devices/:id', { schema: { params: DeviceParams }, config: WRITE }, async (request, reply) => {
    await devices.remove((request.params as { id: string }).id);
    return sendJson(reply, { success: true });
  });

  app.put('/v1/devices/:id/topics', { schema: { params: DeviceParams }, config: WRITE }, async (request, reply) => {
    const body = jsonBody(request, DeviceTopicsBody);
    return sendJson(reply, deviceJson(await devices.setTopics((request.params as { id: string }).id, body.topics, body.op ?? 'set')));
  });

  app.get('/v1/users/:user/topics', { schema: { params: UserParams }, config: READ }, async (request, reply) =>
    sendJson(reply, { user: (request.params as { user: string }).user, topics: await devices.userTopics((request.params as { user: string }).user) }));

  app.put('/v1/users/:user/topics', { schema: { params: UserParams }, config: WRITE }, async (request, reply) => {
    const { user } = request.params as { user: string };
    const body = jsonBody(request, UserTopicsBody);
    return sendJson(reply, { user, topics: await devices.setUserTopics(user, body.topics) });
  });
}
