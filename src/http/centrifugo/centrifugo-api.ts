import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../deps.js';
import { registerDeviceMethods } from './device-methods.js';
import { registerPushMethods } from './push-methods.js';
import { registerCentrifugoTransport } from './transport.js';

/**
 * `POST /api/<method>`: Centrifugo PRO's push server API, so a backend written for it points its
 * API URL and key at Herald. A thin layer over the services /v1 uses; no store of its own.
 */
export function registerCentrifugoApi(app: FastifyInstance, deps: HttpDeps): void {
  void app.register(async (api) => {
    registerCentrifugoTransport(api, deps.isOutage);
    registerDeviceMethods(api, deps.devices);
    registerPushMethods(api, deps);
  });
}
