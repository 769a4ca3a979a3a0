import { HeraldError } from '../../errors/index.js';
import { AuthStoreError, type AuthStore, type TierRecord } from '../../ports/auth-store.js';
import { randomId } from '../../util/ids.js';
import { CLI_CONTEXT, type AuditContext, type AuditTrail } from '../audit/audit-trail.js';
import type { AuthService } from './auth-service.js';

/** A tier's fields as an admin gives them: everything but the generated id. */
export type TierFields = Omit<TierRecord, 'id'>;

/** ntfy's tier code rule. */
const TIER_CODE = /^[-_A-Za-z0-9]{1,64}$/;

export function isValidTierCode(code: string): boolean {
  return TIER_CODE.test(code);
}

export interface TierServiceOptions {
  store: AuthStore;
  /** Drops its remembered tiers and checks after each change (forgetVerified). */
  auth: AuthService;
  audit?: AuditTrail;
}

/**
 * Tiers (ntfy's model, without payments) and which user has which. Limits apply from the next
 * request of the tier's users, on this node at once and on others (or from the CLI) at their next
 * change-counter poll.
 */
export class TierService {
  readonly #o: TierServiceOptions;

  constructor(options: TierServiceOptions) {
    this.#o = options;
  }

  /** Every tier, by code. */
  async list(): Promise<TierRecord[]> {
    return this.#o.store.tiers();
  }

  /** The tier with this code, or undefined. */
  async byCode(code: string): Promise<TierRecord | undefined> {
    return (await this.#o.store.tiers()).find((t) => t.code === code);
  }

  async add(fields: TierFields, ctx: AuditContext = CLI_CONTEXT): Promise<TierRecord> {
    if (!isValidTierCode(fields.code)) throw new HeraldError('tierCodeInvalid');
    const tier: TierRecord = { id: `ti_${randomId(8)}`, ...fields };
    try {
      await this.#o.store.addTier(tier);
    } catch (err) {
      if (err instanceof AuthStoreError && err.kind === 'duplicate') throw new HeraldError('tierExists', { detail: fields.code });
      throw err;
    }
    this.#o.auth.forgetVerified();
    await this.#o.audit?.record(ctx, 'tier.create', tier.code, { ...fields });
    return tier;
  }

  /** Changes the given fields of the tier with this code (the code itself stays). */
  async change(code: string, changes: Partial<Omit<TierFields, 'code'>>, ctx: AuditContext = CLI_CONTEXT): Promise<TierRecord> {
    const tier = { ...(await this.#tier(code)), ...changes };
    await this.#o.store.updateTier(tier);
    this.#o.auth.forgetVerified();
    await this.#o.audit?.record(ctx, 'tier.change', code, { ...changes });
    return tier;
  }

  /** Removes a tier; 409 40921 while users have it. */
  async remove(code: string, ctx: AuditContext = CLI_CONTEXT): Promise<void> {
    const tier = await this.#tier(code);
    try {
      await this.#o.store.removeTier(tier.id);
    } catch (err) {
      if (err instanceof AuthStoreError && err.kind === 'in_use') throw new HeraldError('tierInUse', { detail: code });
      throw err;
    }
    this.#o.auth.forgetVerified();
    await this.#o.audit?.record(ctx, 'tier.delete', code);
  }

  /**
   * Gives the user the tier with this code, or takes their tier away (null). As ntfy's `user
   * change-tier`, a user who holds more reservations than the new tier allows keeps the old tier
   * (42907): their reservations would otherwise outnumber the limit.
   */
  async setUserTier(userName: string, code: string | null, ctx: AuditContext = CLI_CONTEXT): Promise<void> {
    const user = await this.#o.store.userByName(userName);
    if (!user) throw new HeraldError('userNotFound', { detail: userName });
    const tier = code === null ? undefined : await this.#tier(code);
    if (user.tierId !== undefined) {
      const held = (await this.#o.store.reservations(user.id)).length;
      const allowed = tier?.reservationsLimit ?? 0;
      if (held > allowed) throw new HeraldError('tooManyReservations', { detail: `user ${userName} holds ${held} reservations, the new tier allows ${allowed}; remove some first` });
    }
    await this.#o.store.changeTier(user.id, tier?.id ?? null);
    this.#o.auth.forgetVerified();
    await this.#o.audit?.record(ctx, 'user.tier', userName, { tier: code });
  }

  async #tier(code: string): Promise<TierRecord> {
    const tier = await this.byCode(code);
    if (!tier) throw new HeraldError('tierInvalid', { detail: code });
    return tier;
  }
}
