import { HeraldError } from '../../errors/index.js';
import type { AuthStore, ReservationRecord, UserRecord } from '../../ports/auth-store.js';
import { isValidTopicName } from '../topics/topic-name.js';
import type { AuthService } from './auth-service.js';
import { permissionFlags, type Permission } from './permissions.js';
import type { Principal } from './principal.js';

export interface ReservationServiceOptions {
  store: AuthStore;
  /** Drops remembered ACL entries after a change (forgetVerified). */
  auth: AuthService;
  /** Called with the user's id after each change of their reservations (the account's sync topic). */
  onAccountChanged?: (userId: string) => void;
}

/**
 * Topic reservations (ntfy's model): a user with a tier, or an admin, takes a topic for
 * themselves; they get read-write on it and choose what everyone else may do. A reservation is
 * refused with 409 40902 when any access entry they do not own covers the topic (another user's
 * reservation, or an entry an admin made), and with 429 42907 beyond the tier's limit. Users
 * without a tier get 401, as in ntfy.
 */
export class ReservationService {
  readonly #o: ReservationServiceOptions;

  constructor(options: ReservationServiceOptions) {
    this.#o = options;
  }

  async reserve(principal: Principal, topic: string, everyone: Permission): Promise<void> {
    const user = await this.#user(principal);
    if (!isValidTopicName(topic)) throw new HeraldError('topicInvalid');
    let limit: number | undefined;
    if (user.role !== 'admin') {
      // Admins reserve without a tier and without a limit; a user needs a tier.
      const tier = await this.#o.auth.tierOf(principal);
      if (!tier) throw new HeraldError('unauthorized');
      limit = tier.reservationsLimit;
    }
    const outcome = await this.#o.store.reserve(user.id, topic, permissionFlags(everyone), limit);
    if (outcome === 'conflict') throw new HeraldError('topicReserved');
    if (outcome === 'limit') throw new HeraldError('tooManyReservations');
    this.#changed(user.id);
  }

  /** Ends the caller's reservation of the topic; 401 when they hold none (ntfy's answer). */
  async unreserve(principal: Principal, topic: string): Promise<void> {
    const user = await this.#user(principal);
    if (!(await this.#o.store.unreserve(user.id, topic))) throw new HeraldError('unauthorized');
    this.#changed(user.id);
  }

  /** The user's reservations, by topic. */
  list(userId: string): Promise<ReservationRecord[]> {
    return this.#o.store.reservations(userId);
  }

  async #user(principal: Principal): Promise<UserRecord> {
    const user = await this.#o.auth.userOf(principal);
    if (!user) throw new HeraldError('unauthorized');
    return user;
  }

  #changed(userId: string): void {
    this.#o.auth.forgetVerified();
    this.#o.onAccountChanged?.(userId);
  }
}
