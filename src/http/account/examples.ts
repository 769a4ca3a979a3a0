import type { AccountAnswer, LimitsAnswer, SubscriptionAnswer, TiersAnswer, TokenAnswer } from './responses.js';

/** Examples for the API reference, typed by their schemas (and checked against them by the OpenAPI test). */

export const tokenExample: TokenAnswer = { token: 'tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2', label: 'phone', last_access: 1764579600, last_origin: '198.51.100.7', expires: 1767171600 };

export const subscriptionExample: SubscriptionAnswer = { base_url: 'https://herald.example.com', topic: 'backups', display_name: 'Backups' };

const limits: LimitsAnswer = {
  basis: 'tier',
  messages: 10000,
  messages_expiry_duration: 86400,
  emails: 100,
  calls: 10,
  reservations: 5,
  attachment_total_size: 104857600,
  attachment_file_size: 15728640,
  attachment_expiry_duration: 21600,
  attachment_bandwidth: 524288000,
};

export const accountExample: AccountAnswer = {
  username: 'alice',
  role: 'user',
  sync_topic: 'st_Xq3kTq9ZpW1xY',
  language: 'en',
  notification: { min_priority: 2 },
  subscriptions: [subscriptionExample],
  reservations: [{ topic: 'backups', everyone: 'deny-all' }],
  tokens: [tokenExample],
  tier: { code: 'pro', name: 'Pro' },
  limits,
  stats: {
    messages: 42,
    messages_remaining: 9958,
    emails: 1,
    emails_remaining: 99,
    calls: 0,
    calls_remaining: 10,
    reservations: 1,
    reservations_remaining: 4,
    attachment_total_size: 1048576,
    attachment_total_size_remaining: 103809024,
  },
};

export const tiersExample: TiersAnswer = [
  { limits: { ...limits, basis: 'ip', messages: 1000, emails: 16, calls: 0, reservations: 0 } },
  { code: 'pro', name: 'Pro', limits },
];
