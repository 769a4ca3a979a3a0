import type { Static } from '@sinclair/typebox';
import type { DeadDeliveriesAnswer, DeliveriesAnswer, DeliveryAnswer, DeviceAnswer, DeviceListAnswer, PushAccepted, PushListAnswer, PushPreviewAnswer, PushViewAnswer, StatsAnswer } from './responses.js';
import type { DeviceRegisterBody, DlqReplayBody, PushBody, PushPreviewBody, WebPushSubscribeBody } from './schemas.js';

/** Examples for the API reference, typed by their schemas (and checked against them by the OpenAPI test). */

const DEVICE_ID = 'dev_3kTq9ZpW1xYb7NcA';
const PUSH_ID = 'order-1042-shipped';

export const deviceRegisterExample: DeviceRegisterBody = {
  provider: 'fcm',
  app: 'shop',
  platform: 'android',
  token: 'fcm-registration-token',
  user: 'user-42',
  topics: ['orders'],
  locale: 'pt-BR',
  timezone: 'America/Sao_Paulo',
};

export const deviceExample: DeviceAnswer = {
  id: DEVICE_ID,
  app: 'shop',
  provider: 'fcm',
  platform: 'android',
  token: 'fcm-registration-token',
  user: 'user-42',
  topics: ['orders'],
  locale: 'pt-BR',
  timezone: 'America/Sao_Paulo',
  meta: {},
  state: 'active',
  invalid_reason: null,
  created_at: '2026-12-01T09:00:00.000Z',
  updated_at: '2026-12-01T09:00:00.000Z',
  last_seen_at: '2026-12-01T09:00:00.000Z',
};

export const deviceListExample: Static<typeof DeviceListAnswer> = { devices: [deviceExample], next_cursor: 'eyJpZCI6ImRldl8zayJ9' };

export const pushExample: PushBody = {
  id: PUSH_ID,
  to: { users: ['user-42'] },
  notification: { title: 'Your order has shipped', body: 'It should arrive on Thursday.', url: 'https://shop.example/orders/1042' },
  priority: 'high',
};

export const pushAcceptedExample: PushAccepted = { id: PUSH_ID, state: 'queued', targets: 2 };

export const pushViewExample: PushViewAnswer = {
  id: PUSH_ID,
  state: 'done',
  created_at: '2026-12-01T09:00:00.000Z',
  targets: 2,
  counts: { queued: 0, sending: 0, sent: 2, retrying: 0, failed: 0, invalid_token: 0, expired: 0, cancelled: 0, dead: 0, dropped: 0, delivered: 1, interacted: 0 },
  by_provider: { fcm: { queued: 0, sending: 0, sent: 2, retrying: 0, failed: 0, invalid_token: 0, expired: 0, cancelled: 0, dead: 0, dropped: 0, delivered: 1, interacted: 0 } },
};

const delivery: Static<typeof DeliveryAnswer> = {
  id: 'd_17_1',
  device: DEVICE_ID,
  provider: 'fcm',
  app: 'shop',
  state: 'sent',
  attempts: 1,
  provider_id: 'projects/shop/messages/0:1733043600',
  created_at: '2026-12-01T09:00:00.000Z',
  updated_at: '2026-12-01T09:00:01.000Z',
  sent_at: '2026-12-01T09:00:01.000Z',
};

export const deliveriesExample: Static<typeof DeliveriesAnswer> = { deliveries: [delivery] };

export const deadDeliveriesExample: Static<typeof DeadDeliveriesAnswer> = {
  deliveries: [{ ...withoutSentAt(delivery), state: 'dead', attempts: 8, last_status: 503, last_error: 'Service Unavailable', push: PUSH_ID }],
};

export const statsExample: Static<typeof StatsAnswer> = {
  since: '2026-11-30T09:00:00.000Z',
  until: '2026-12-01T09:00:00.000Z',
  by_provider: { fcm: { sent: 1200, invalid_token: 3 } },
  attempts: { fcm: { ok: 1200, invalid_token: 3, retry: 14 } },
  latency_ms: { p50: 180, p95: 640, p99: 1900, count: 1200 },
};

export const dlqReplayExample: Static<typeof DlqReplayBody> = { provider: 'apns', app: 'shop' };

export const webPushSubscribeExample: Static<typeof WebPushSubscribeBody> = {
  endpoint: 'https://push.example.net/send/abc123',
  auth: 'dGhlLWF1dGgtc2VjcmV0',
  p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
  topics: ['alerts'],
};

function withoutSentAt<T extends { sent_at?: string }>(value: T): Omit<T, 'sent_at'> {
  const { sent_at: _sentAt, ...rest } = value;
  return rest;
}

export const pushListExample: Static<typeof PushListAnswer> = {
  pushes: [{ ...pushViewExample, actor: 'key:k_shop', category: null, title: 'Your order has shipped', body: 'It should arrive on Thursday.' }],
  next_cursor: 'p1041',
};

export const pushPreviewRequestExample: Static<typeof PushPreviewBody> = {
  notification: { title: 'Your order has shipped', body: 'It should arrive on Thursday.', data: { order: '1042' } },
  priority: 'high',
};

export const pushPreviewExample: Static<typeof PushPreviewAnswer> = {
  providers: [
    {
      provider: 'apns', configured: true, app: 'default', bytes: 88,
      headers: { ':path': '/3/device/<device token>', 'apns-push-type': 'alert', 'apns-priority': '10', 'apns-topic': 'com.example.shop' },
      body: { aps: { alert: { title: 'Your order has shipped', body: 'It should arrive on Thursday.' } }, order: '1042' },
    },
    { provider: 'fcm', configured: false },
    { provider: 'hms', configured: false },
    { provider: 'webpush', configured: true, app: 'default', error: { code: 40061, error: 'invalid request: push payload too large for the provider: webpush: the payload is 4100 bytes; at most 3993 fit in the 4096 bytes push services accept after encryption' } },
  ],
};
