import type { Principal } from '../../core/auth/principal.js';
import type { Visitor } from '../../core/limits/visitor.js';
import type { ReservationRecord, TierRecord } from '../../ports/auth-store.js';
import { permissionOf } from '../../core/auth/permissions.js';
import type { HttpDeps } from '../deps.js';
import type { LimitsAnswer } from './responses.js';

type Json = Record<string, unknown>;

/**
 * The limits of `GET /v1/account` and `GET /v1/tiers` (ntfy's `limits` object): the tier's for
 * users with one (basis "tier"), the config's otherwise (basis "ip"). Durations are seconds.
 */
export function limitsJson(limits: Visitor['limits'], tier: TierRecord | undefined): LimitsAnswer {
  return {
    basis: tier ? 'tier' : 'ip',
    messages: limits.messagesPerDay,
    messages_expiry_duration: Math.floor(limits.messageExpiryMs / 1000),
    // ntfy gives a tier's daily e-mails; for callers by address Herald has always given the bucket.
    emails: tier ? tier.emailsLimit : limits.emailBurst,
    calls: limits.callsPerDay,
    reservations: limits.reservations,
    attachment_total_size: limits.attachmentTotalBytes,
    attachment_file_size: limits.attachmentFileSizeBytes,
    attachment_expiry_duration: Math.floor(limits.attachmentExpiryMs / 1000),
    attachment_bandwidth: limits.attachmentBandwidthPerDay,
  };
}

/**
 * The tier-dependent parts of `GET /v1/account`: `tier`, `limits`, `stats` (what the caller's
 * visitor used today, their reservations and the bytes of their stored uploads) and, with
 * `enable-reservations`, `reservations` (ntfy leaves both out when empty).
 */
export async function accountLimitParts(deps: HttpDeps, principal: Principal, visitor: Visitor): Promise<Json> {
  const tier = principal.userId !== null && deps.auth ? await deps.auth.tierOf(principal) : undefined;
  const limits = visitor.limits;
  const [usage, attachmentBytes, reservations] = await Promise.all([
    visitor.usage(deps.clock.now()),
    deps.topics.attachmentBytesUsed(visitor.key),
    principal.userId !== null && deps.reservations ? deps.reservations.list(principal.userId) : Promise.resolve<ReservationRecord[]>([]),
  ]);
  const emailLimit = tier ? tier.emailsLimit : limits.emailBurst;
  const parts: Json = {};
  if (tier) parts.tier = { code: tier.code, name: tier.name };
  parts.limits = limitsJson(limits, tier);
  parts.stats = {
    messages: usage.messages,
    messages_remaining: Math.max(0, limits.messagesPerDay - usage.messages),
    emails: usage.emails,
    emails_remaining: Math.max(0, emailLimit - usage.emails),
    calls: usage.calls,
    calls_remaining: Math.max(0, limits.callsPerDay - usage.calls),
    reservations: reservations.length,
    reservations_remaining: Math.max(0, limits.reservations - reservations.length),
    attachment_total_size: attachmentBytes,
    attachment_total_size_remaining: Math.max(0, limits.attachmentTotalBytes - attachmentBytes),
  };
  if (deps.config.enableReservations && reservations.length > 0) {
    parts.reservations = reservations.map((r) => ({ topic: r.topic, everyone: permissionOf(r.everyone) }));
  }
  return parts;
}
