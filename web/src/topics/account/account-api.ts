import { request } from '../../shared/api.js';
import { sessionCredentials } from './session.js';

/** `GET /v1/account` as Herald answers it (ntfy's shape); unset fields are absent. */
export interface Account {
  username: string;
  role: 'admin' | 'user' | 'anonymous';
  sync_topic?: string;
  provisioned?: true;
  language?: string;
  notification?: { sound?: string; min_priority?: number; delete_after?: number };
  subscriptions?: AccountSubscription[];
  reservations?: Reservation[];
  tokens?: AccountToken[];
  phone_numbers?: string[];
  tier?: { code: string; name: string };
  limits?: AccountLimits;
  stats?: AccountStats;
}

export interface AccountSubscription { base_url: string; topic: string; display_name: string | null }
export type Permission = 'read-write' | 'read-only' | 'write-only' | 'deny-all';
export interface Reservation { topic: string; everyone: Permission }
export interface AccountToken { token: string; label?: string; last_access: number; last_origin?: string; expires?: number; provisioned?: true }

export interface AccountLimits {
  basis: 'tier' | 'ip';
  messages: number;
  messages_expiry_duration: number;
  emails: number;
  calls: number;
  reservations: number;
  attachment_total_size: number;
  attachment_file_size: number;
  attachment_expiry_duration: number;
  attachment_bandwidth: number;
}

export interface AccountStats {
  messages: number;
  messages_remaining: number;
  emails: number;
  emails_remaining: number;
  calls: number;
  calls_remaining: number;
  reservations: number;
  reservations_remaining: number;
  attachment_total_size: number;
  attachment_total_size_remaining: number;
}

/** The settings the app keeps with the account (`PATCH /v1/account/settings`). */
export interface AccountSettings { language?: string; notification?: { sound?: string; min_priority?: number; delete_after?: number } }

const auth = () => ({ credentials: sessionCredentials() });

export const accountApi = {
  get: () => request<Account>('/v1/account', auth()),
  createToken: (label: string, expires: number) =>
    request<AccountToken>('/v1/account/token', { method: 'POST', body: { ...(label ? { label } : {}), expires }, ...auth() }),
  deleteToken: (token: string) =>
    request('/v1/account/token', { method: 'DELETE', headers: { 'x-token': token }, ...auth() }),
  changePassword: (password: string, newPassword: string) =>
    request('/v1/account/password', { method: 'POST', body: { password, new_password: newPassword }, ...auth() }),
  deleteAccount: (password: string) =>
    request('/v1/account', { method: 'DELETE', body: { password }, ...auth() }),
  reserve: (topic: string, everyone: Permission) =>
    request('/v1/account/reservation', { method: 'POST', body: { topic, everyone }, ...auth() }),
  unreserve: (topic: string, deleteMessages: boolean) =>
    request(`/v1/account/reservation/${encodeURIComponent(topic)}`, {
      method: 'DELETE', ...(deleteMessages ? { headers: { 'x-delete-messages': 'true' } } : {}), ...auth(),
    }),
  changeSettings: (settings: AccountSettings) =>
    request('/v1/account/settings', { method: 'PATCH', body: settings, ...auth() }),
  addSubscription: (s: AccountSubscription) =>
    request<AccountSubscription>('/v1/account/subscription', { method: 'POST', body: s, ...auth() }),
  renameSubscription: (s: AccountSubscription) =>
    request<AccountSubscription>('/v1/account/subscription', { method: 'PATCH', body: s, ...auth() }),
  removeSubscription: (baseUrl: string, topic: string) =>
    request('/v1/account/subscription', { method: 'DELETE', headers: { 'x-baseurl': baseUrl, 'x-topic': topic }, ...auth() }),
};
