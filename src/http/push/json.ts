import { HeraldError } from '../../errors/index.js';
import type { DeviceRecord } from '../../ports/device-store.js';
import type { DeliveryRecord } from '../../ports/push-store.js';
import type { DeliveryAnswer, DeviceAnswer } from './responses.js';

/** Times in the /v1 push API are RFC 3339 strings in UTC. */
export function iso(ms: number): string;
export function iso(ms: number | null): string | undefined;
export function iso(ms: number | null): string | undefined {
  return ms === null ? undefined : new Date(ms).toISOString();
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** An RFC 3339 time with an explicit offset (`Z` or `+02:00`), as unix ms; 400 naming the field otherwise. */
export function parseTime(text: string, field: string): number {
  const ms = RFC3339.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms)) throw new HeraldError('pushInvalid', { detail: `${field} must be an RFC 3339 time with an offset, e.g. 2026-12-01T09:00:00Z` });
  return ms;
}

/** A stats bound: RFC 3339, or Unix seconds. */
export function parseInstant(text: string, field: string): number {
  if (/^\d{1,12}$/.test(text)) return Number(text) * 1000;
  const ms = RFC3339.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms)) throw new HeraldError('badRequest', { detail: `${field} must be an RFC 3339 time or Unix seconds` });
  return ms;
}

export function deviceJson(d: DeviceRecord): DeviceAnswer {
  return {
    id: d.id,
    app: d.app,
    provider: d.provider,
    platform: d.platform,
    token: d.keys ? { endpoint: d.token, keys: d.keys } : d.token,
    user: d.user,
    topics: d.topics,
    locale: d.locale,
    timezone: d.timezone,
    meta: d.meta,
    state: d.state,
    invalid_reason: d.invalidReason,
    created_at: iso(d.createdAt),
    updated_at: iso(d.updatedAt),
    last_seen_at: iso(d.lastSeenAt),
  };
}

export function deliveryJson(r: DeliveryRecord & { id: string }): DeliveryAnswer {
  return {
    id: r.id,
    device: r.deviceId ?? undefined,
    // A raw token (`to.tokens`) is the caller's own, and the only way it can tell which of its
    // tokens a delivery was for; registered devices are named by their id instead.
    token: r.deviceId === null && r.token !== '' && !r.kind ? (r.p256dh !== null && r.auth !== null ? { endpoint: r.token, keys: { p256dh: r.p256dh, auth: r.auth } } : r.token) : undefined,
    // An FCM or HMS topic or condition send: one delivery, which the provider fanned out.
    topic: r.kind === 'topic' ? r.token : undefined,
    condition: r.kind === 'condition' ? r.token : undefined,
    provider: r.provider,
    app: r.app,
    state: r.state,
    attempts: r.attempts,
    last_status: r.lastStatus ?? undefined,
    last_error: r.lastError ?? undefined,
    provider_id: r.providerId ?? undefined,
    next_attempt_at: iso(r.nextAt),
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
    sent_at: iso(r.sentAt),
  };
}
