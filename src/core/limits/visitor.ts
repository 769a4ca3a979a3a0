import { HeraldError } from '../../errors/index.js';
import type { Clock } from '../../ports/clock.js';
import type { TierRecord } from '../../ports/auth-store.js';
import type { BucketRule, Counters } from '../../ports/counters.js';
import { tierVisitorLimits } from './tier-limits.js';
import type { VisitorLimits } from './visitor-limits.js';

export type { VisitorLimits };

/** Sign-ups: ntfy allows 3 in a burst, then one a day. */
const ACCOUNT_CREATION: BucketRule = { burst: 3, refillMs: 86_400_000 };

/**
 * Everything Herald counts about one caller (keyed by IP: /32 for IPv4, /64 for IPv6).
 * Limits follow ntfy's defaults and error codes.
 *
 * The buckets and daily counts live in the shared counters (one process's memory, or Redis in
 * scale-out mode), so a visitor has one burst for the whole service however many nodes it reaches.
 * Open subscriptions are counted here, per process: each is a connection this process holds and
 * gives back when it closes, and a count kept elsewhere would never be given back by a node that
 * died. The subscription limit therefore holds per node.
 */
export class Visitor {
  readonly key: string;
  readonly exempt: boolean;
  lastSeenMs: number;
  #subscriptions = 0;
  #limits: VisitorLimits;
  readonly #counters: Counters;
  #requestRule!: BucketRule;
  #emailRule!: BucketRule;
  #authFailureRule!: BucketRule;
  // Counter names, built once per visitor rather than once per request.
  readonly #requestKey: string;
  readonly #emailKey: string;
  readonly #messageKey: string;
  readonly #callKey: string;
  readonly #bandwidthKey: string;
  readonly #authFailureKey: string;
  readonly #accountCreationKey: string;

  constructor(key: string, limits: VisitorLimits, nowMs: number, exempt: boolean, counters: Counters) {
    this.key = key;
    this.exempt = exempt;
    this.lastSeenMs = nowMs;
    this.#limits = limits;
    this.#counters = counters;
    this.setLimits(limits);
    this.#requestKey = `req:${key}`;
    this.#emailKey = `email:${key}`;
    this.#messageKey = `msg:${key}`;
    this.#callKey = `call:${key}`;
    this.#bandwidthKey = `bw:${key}`;
    this.#authFailureKey = `authfail:${key}`;
    this.#accountCreationKey = `signup:${key}`;
  }

  /** Sign-ups: ntfy allows 3 in a burst, then one a day (429 42906). */
  async takeAccountCreation(nowMs: number): Promise<void> {
    if (this.exempt) return;
    if (!(await this.#counters.take(this.#accountCreationKey, ACCOUNT_CREATION, nowMs)).taken) throw new HeraldError('tooManyAccountCreations');
  }

  /** What this visitor used today, for `GET /v1/account`. */
  async usage(nowMs: number): Promise<{ messages: number; emails: number; calls: number }> {
    const [messages, emails, calls] = await Promise.all([
      this.#counters.addDaily(this.#messageKey, this.#limits.messagesPerDay, nowMs, 0),
      this.#counters.take(this.#emailKey, this.#emailRule, nowMs, 0),
      this.#counters.addDaily(this.#callKey, this.#limits.callsPerDay, nowMs, 0),
    ]);
    return { messages: messages.value, emails: this.#limits.emailBurst - emails.remaining, calls: calls.value };
  }

  /** Credentialed requests are refused with 429 42909 once the visitor's failures ran out. */
  async checkAuthFailures(nowMs: number): Promise<void> {
    if ((await this.#counters.take(this.#authFailureKey, this.#authFailureRule, nowMs, 0)).remaining < 1) throw new HeraldError('tooManyAuthFailures');
  }

  /** Spends one token for a failed credential check. */
  async recordAuthFailure(nowMs: number): Promise<void> {
    await this.#counters.take(this.#authFailureKey, this.#authFailureRule, nowMs);
  }

  get limits(): VisitorLimits {
    return this.#limits;
  }

  /**
   * Replaces the limits (a user's tier was changed). The counts so far stay: they live in the
   * counters under this visitor's key, and open subscriptions hold this object.
   */
  setLimits(limits: VisitorLimits): void {
    this.#limits = limits;
    this.#requestRule = { burst: limits.requestBurst, refillMs: limits.requestRefillMs };
    this.#emailRule = { burst: limits.emailBurst, refillMs: limits.emailRefillMs };
    this.#authFailureRule = { burst: limits.authFailureBurst, refillMs: limits.authFailureRefillMs };
  }

  /** One request from the request bucket, or 429 42901 with the wait as Retry-After. */
  async takeRequest(nowMs: number): Promise<void> {
    this.lastSeenMs = nowMs;
    if (this.exempt) return;
    const result = await this.#counters.take(this.#requestKey, this.#requestRule, nowMs);
    if (!result.taken) throw new HeraldError('tooManyRequests', { details: { retryAfterMs: result.waitMs } });
  }

  /** One message from today's quota, or 429 42908. */
  async takeMessage(nowMs: number): Promise<void> {
    if (this.exempt) return;
    if (!(await this.#counters.addDaily(this.#messageKey, this.#limits.messagesPerDay, nowMs)).added) throw new HeraldError('tooManyMessages');
  }

  /** One e-mail from the e-mail bucket, or 429 42902. */
  async takeEmail(nowMs: number): Promise<void> {
    if (this.exempt) return;
    if (!(await this.#counters.take(this.#emailKey, this.#emailRule, nowMs)).taken) throw new HeraldError('tooManyEmails');
  }

  /** One phone call from today's quota, or 429 42910. Exempt hosts get no calls beyond the limit either: calls cost money. */
  async takeCall(nowMs: number): Promise<void> {
    if (!(await this.#counters.addDaily(this.#callKey, this.#limits.callsPerDay, nowMs)).added) throw new HeraldError('tooManyCalls');
  }

  /** Opens one subscription slot, or 429 42903. Call `releaseSubscription` when it ends. */
  openSubscription(): void {
    if (!this.exempt && this.#subscriptions >= this.#limits.subscriptions) throw new HeraldError('tooManySubscriptions');
    this.#subscriptions++;
  }

  releaseSubscription(): void {
    if (this.#subscriptions > 0) this.#subscriptions--;
  }

  get subscriptions(): number {
    return this.#subscriptions;
  }

  /** Charges downloaded or uploaded attachment bytes to today's bandwidth, or 429 42905. */
  async takeBandwidth(nowMs: number, bytes: number): Promise<void> {
    if (!(await this.tryTakeBandwidth(nowMs, bytes))) throw new HeraldError('attachmentBandwidthExceeded');
  }

  /** Charges attachment bytes to today's bandwidth if they fit; false (nothing charged) if not. */
  async tryTakeBandwidth(nowMs: number, bytes: number): Promise<boolean> {
    if (this.exempt) return true;
    return (await this.#counters.addDaily(this.#bandwidthKey, this.#limits.attachmentBandwidthPerDay, nowMs, bytes)).added;
  }

  /** A visitor can be forgotten when it holds nothing open and has been idle for `idleMs`. */
  isStale(nowMs: number, idleMs: number): boolean {
    return this.#subscriptions === 0 && nowMs - this.lastSeenMs > idleMs;
  }
}

/**
 * Finds or creates the visitor for an address; forgets idle ones on `prune`. Forgetting a visitor
 * forgets only its open-subscription count (zero by then): its buckets and daily counts stay in
 * the counters, which drop them once they are back to full or the day is over.
 */
export class VisitorRegistry {
  #visitors = new Map<string, Visitor>();
  #keyByIp = new Map<string, string>();
  /** Limits per tier record: the account service keeps one record per tier until the tier changes. */
  #tierLimits = new WeakMap<TierRecord, VisitorLimits>();
  readonly #limits: VisitorLimits;
  readonly #clock: Clock;
  readonly #isExempt: (ip: string) => boolean;
  readonly #counters: Counters;
  readonly #prefixBits: VisitorPrefixBits;

  constructor(limits: VisitorLimits, clock: Clock, isExempt: (ip: string) => boolean, counters: Counters, prefixBits: VisitorPrefixBits = DEFAULT_PREFIX_BITS) {
    this.#limits = limits;
    this.#clock = clock;
    this.#isExempt = isExempt;
    this.#counters = counters;
    this.#prefixBits = prefixBits;
  }

  forIp(ip: string): Visitor {
    let key = this.#keyByIp.get(ip);
    if (key === undefined) {
      key = `ip:${visitorAddress(ip, this.#prefixBits)}`;
      // Bounded: an IPv6 /64 can hold endless addresses, and this is only a shortcut.
      if (this.#keyByIp.size > 100_000) this.#keyByIp.clear();
      this.#keyByIp.set(ip, key);
    }
    let visitor = this.#visitors.get(key);
    if (!visitor) {
      visitor = new Visitor(key, this.#limits, this.#clock.now(), this.#isExempt(ip), this.#counters);
      this.#visitors.set(key, visitor);
    }
    return visitor;
  }

  /**
   * The visitor of a user with a tier (ntfy's `user:<id>`): the tier's limits instead of the
   * address's, wherever the user comes from. A changed tier (another record) applies at once; the
   * counts so far stay.
   */
  forUser(userId: string, tier: TierRecord): Visitor {
    const limits = this.forTierLimits(tier);
    const key = `user:${userId}`;
    let visitor = this.#visitors.get(key);
    if (!visitor) {
      visitor = new Visitor(key, limits, this.#clock.now(), false, this.#counters);
      this.#visitors.set(key, visitor);
    } else if (visitor.limits !== limits) {
      visitor.setLimits(limits);
    }
    return visitor;
  }

  /** The limits a tier gives its users, on top of the config's (computed once per tier record). */
  forTierLimits(tier: TierRecord): VisitorLimits {
    let limits = this.#tierLimits.get(tier);
    if (!limits) {
      limits = tierVisitorLimits(this.#limits, tier);
      this.#tierLimits.set(tier, limits);
    }
    return limits;
  }

  /** The limits of callers without a tier (from the config). */
  get baseLimits(): VisitorLimits {
    return this.#limits;
  }

  /** The visitor with this key, if it is still known (e.g. an attachment's uploader). */
  byKey(key: string): Visitor | undefined {
    return this.#visitors.get(key);
  }

  get size(): number {
    return this.#visitors.size;
  }

  prune(idleMs: number): number {
    const now = this.#clock.now();
    let removed = 0;
    for (const [key, visitor] of this.#visitors) {
      if (visitor.isStale(now, idleMs)) {
        this.#visitors.delete(key);
        removed++;
      }
    }
    return removed;
  }
}

/** How many leading bits of an address make one visitor (`visitor-prefix-bits-ipv4/-ipv6`). */
export interface VisitorPrefixBits {
  ipv4: number;
  ipv6: number;
}

const DEFAULT_PREFIX_BITS: VisitorPrefixBits = { ipv4: 32, ipv6: 64 };

/**
 * The part of an address that identifies a visitor: by default the whole IPv4 address, or the /64
 * prefix of an IPv6 one (one host can hold a whole /64); shorter prefixes group neighbours, as
 * ntfy's visitor-prefix-bits options do, so a client hopping addresses in its network stays one
 * visitor.
 */
export function visitorAddress(ip: string, prefix: VisitorPrefixBits = DEFAULT_PREFIX_BITS): string {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (!v4.includes(':')) {
    if (prefix.ipv4 >= 32) return v4;
    const octets = v4.split('.').map(Number);
    const value = octets.reduce((n, o) => n * 256 + (o || 0), 0);
    const masked = prefix.ipv4 === 0 ? 0 : value - (value % 2 ** (32 - prefix.ipv4));
    return `${[24, 16, 8, 0].map((shift) => Math.floor(masked / 2 ** shift) % 256).join('.')}/${prefix.ipv4}`;
  }
  const [head, tail] = v4.split('::') as [string, string | undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const groups = (tail === undefined ? headParts : [...headParts, ...Array(8 - headParts.length - tailParts.length).fill('0'), ...tailParts])
    .map((g) => parseInt(g || '0', 16) || 0);
  const bits = Math.min(128, prefix.ipv6);
  const kept = Math.ceil(bits / 16);
  const shown = groups.slice(0, kept).map((g, i) => {
    const drop = Math.max(0, (i + 1) * 16 - bits);
    return (g - (g % 2 ** drop)).toString(16);
  });
  return bits === 128 ? `${shown.join(':')}/128` : `${shown.join(':')}::/${bits}`;
}
