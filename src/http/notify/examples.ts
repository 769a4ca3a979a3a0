import type { Static } from '@sinclair/typebox';
import type { CategoryAnswer, ExportAnswer, NotificationAnswer, PreferencesAnswer, PreviewAnswer, SubscriberAnswer, TemplateAnswer, TemplateListAnswer } from './responses.js';
import type { CategoryBody, NotifyBody, SubscriberBody } from './schemas.js';

/** Examples for the API reference, typed by their schemas (and checked against them by the OpenAPI test). */

const AT = '2026-12-01T09:00:00.000Z';

export const subscriberBodyExample: SubscriberBody = {
  email: 'ann@example.com',
  phone: '+14155550100',
  name: 'Ann',
  locale: 'fr-CA',
  timezone: 'America/Toronto',
  data: { plan: 'pro' },
};

export const subscriberExample: SubscriberAnswer = {
  id: 'user-42',
  email: 'ann@example.com',
  phone: '+14155550100',
  name: 'Ann',
  locale: 'fr-CA',
  timezone: 'America/Toronto',
  data: { plan: 'pro' },
  created_at: AT,
  updated_at: AT,
};

export const exportExample: ExportAnswer = {
  subscriber: subscriberExample,
  devices: [{ id: 'dev_3kTq9ZpW1xYb7NcA', app: 'shop', provider: 'fcm', platform: 'android', token: 'fcm-registration-token', topics: ['orders'], state: 'active', created_at: AT }],
  topics: ['orders'],
  notifications: [{ notification_seq: 17, state: 'sent', created_at: AT }],
  deliveries: [{ notification_seq: 17, channel: 'email', state: 'delivered', address: 'ann@example.com', attempts: 1, sent_at: AT }],
  inbox: [{ id: 'in_8fKq2LmN', title: 'Your order has shipped', body: 'It should arrive on Thursday.', created_at: AT, read_at: AT }],
  suppressed_addresses: [],
};

export const preferencesExample: PreferencesAnswer = {
  enabled: true,
  channels: { sms: false },
  categories: { marketing: { enabled: false }, orders: { channels: { email: true } } },
  quiet_hours: { start: '22:00', end: '07:00' },
  frequency_caps: [{ category: 'marketing', max: 2, per: '1d' }],
  channel_order: ['push', 'email'],
};

export const categoryBodyExample: CategoryBody = { description: 'Order updates', channels: ['push', 'email', 'sms'], critical: false, digest: null };

export const categoryExample: CategoryAnswer = {
  name: 'orders',
  description: 'Order updates',
  channels: ['push', 'email', 'sms'],
  critical: false,
  created_at: AT,
  updated_at: AT,
};

export const templateBodyExample = {
  category: 'orders',
  default_locale: 'en',
  channels: {
    push: { title: 'Order {{ order }} shipped', body: 'Hi {{ subscriber.name }}, it is on its way' },
    email: { subject: 'Your order {{ order }}', html: '<p>Hello {{ subscriber.name }}</p>' },
    sms: { text: 'Order {{ order }} shipped' },
  },
  locales: { fr: { push: { title: 'Commande {{ order }} expédiée' } } },
};

export const templateExample: TemplateAnswer = { name: 'order-shipped', ...templateBodyExample };

export const templateListExample: Static<typeof TemplateListAnswer> = { templates: ['order-shipped', 'password-reset'] };

export const previewExample: PreviewAnswer = {
  locale: 'fr',
  channels: {
    push: { title: 'Commande 42 expédiée', body: 'Hi Zoé, it is on its way' },
    email: { subject: 'Your order 42', html: '<p>Hello Zoé</p>', text: 'Hello Zoé' },
    sms: { text: 'Order 42 shipped', segments: 1, encoding: 'GSM-7' },
  },
};

export const notifyExample: NotifyBody = {
  template: 'order-shipped',
  to: { subscribers: ['user-42'] },
  data: { order: '42' },
  priority: 'high',
  idempotency_key: 'order-42-shipped',
};

export const notificationExample: NotificationAnswer = {
  id: 'n_5Yc2kPq9Wm',
  template: 'order-shipped',
  category: 'orders',
  priority: 'high',
  strategy: 'all',
  to: { subscribers: 1 },
  state: 'done',
  created_at: AT,
  idempotency_key: 'order-42-shipped',
  recipients: 1,
  counts: { sent: 1 },
  deliveries: [{
    subscriber: 'user-42',
    state: 'sent',
    updated_at: AT,
    channels: [{ channel: 'push', state: 'sent', provider_id: 'order-42-push', attempts: 1, created_at: AT, updated_at: AT, sent_at: AT }],
  }],
};
