import type { AuditTrail } from '../core/audit/audit-trail.js';
import type { AuthService } from '../core/auth/auth-service.js';
import { ReservationService } from '../core/auth/reservation-service.js';
import { TierService } from '../core/auth/tier-service.js';
import type { AuthStore } from '../ports/auth-store.js';

/**
 * Tiers and topic reservations over the account database, when there is one (`auth-file` or
 * `database-url` with accounts). `onAccountChanged` hears of every reservation change by user id
 * (the account's sync topic); without it nothing is told.
 */
export function accountTierServices(
  store: AuthStore | undefined,
  auth: AuthService | undefined,
  audit: AuditTrail | undefined,
  onAccountChanged?: (userId: string) => void,
): { tiers?: TierService; reservations?: ReservationService } {
  if (!store || !auth) return {};
  return {
    tiers: new TierService({ store, auth, ...(audit ? { audit } : {}) }),
    reservations: new ReservationService({ store, auth, ...(onAccountChanged ? { onAccountChanged } : {}) }),
  };
}
