import type { Static } from '@sinclair/typebox';
import type { AttemptsAnswer, EndpointAnswer, EndpointListAnswer, EndpointSecretAnswer } from './responses.js';
import type { EndpointCreateBody } from './schemas.js';

/** Examples for the API reference, typed by their schemas (and checked against them by the OpenAPI test). */

const ID = 'ep_4fJk8QzR2mWx7NbT';
const SECRET = 'whsec_MfKQ9r8GKYqXbV2m0wQnN1a5zJ3tL7pC';

export const endpointCreateExample: EndpointCreateBody = {
  url: 'https://shop.example/hooks/herald',
  events: ['push.delivery.failed', 'push.delivery.invalid_token', 'device.invalidated'],
  description: 'order service',
};

export const endpointExample: EndpointAnswer = {
  id: ID,
  url: 'https://shop.example/hooks/herald',
  events: ['push.delivery.failed', 'push.delivery.invalid_token', 'device.invalidated'],
  description: 'order service',
  enabled: true,
  consecutive_failures: 0,
  created_at: '2026-12-01T09:00:00.000Z',
  updated_at: '2026-12-01T09:00:00.000Z',
};

export const newEndpointExample: EndpointAnswer = { ...endpointExample, secret: SECRET };

export const endpointListExample: Static<typeof EndpointListAnswer> = { endpoints: [endpointExample] };

export const secretExample: Static<typeof EndpointSecretAnswer> = {
  secret: SECRET,
  previous_secret: 'whsec_Zr2Yd5nB8kQ1xW4vP7sH0mJ6tL3cF9aE',
  previous_secret_expires_at: '2026-12-02T09:00:00.000Z',
};

export const attemptsExample: Static<typeof AttemptsAnswer> = {
  attempts: [
    { message_id: 'msg_2bXq7Lm9Pz', type: 'push.delivery.failed', attempt: 2, result: 'succeeded', at: '2026-12-01T09:00:31.000Z', status: 200 },
    { message_id: 'msg_2bXq7Lm9Pz', type: 'push.delivery.failed', attempt: 1, result: 'retrying', at: '2026-12-01T09:00:01.000Z', status: 503, error: 'Service Unavailable' },
  ],
};
