import { HeraldError } from '../../errors/index.js';
import type { Clock } from '../../ports/clock.js';
import { DailyCounter } from './daily-counter.js';
import { TokenBucket } from './token-bucket.js';

export interface VisitorLimits {
  requestBurst: number;
  requestRefillMs: number;
  /** Messages a visitor may publish per UTC day. */
  messagesPerDay: number;
  emailBurst: number;
  emailRefillMs: number;
  subscriptions: number;
  attachmentTotalBytes: number;
  attachmentBandwidthPerDay: number;
  authFailureBurst: number;
  authFailureRefillMs: number;
}

const ACCOUNT_CREATION_BURST = 3;
const ACCOUNT_CREATION_REFILL_MS = 86_400_000;

/**
 * Everything Herald counts about one caller (keyed by IP: /32 for IPv4, /64 for IPv6).
 * Limits follow ntfy's defaults and error codes.
 */
export class Visitor {
  readonly key: string;
  readonly exempt: boolean;
  lastSeenMs: number;
  #requests: TokenBucket;
  #emails: TokenBucket;
  #messages: DailyCounter;
  #bandwidth: DailyCounter;
  #subscriptions = 0;
  #authFailures: TokenBucket;
  #accountCreations: TokenBucket;
  readonly #limits: VisitorLimits;

  constructor(key: string, limits: VisitorLimits, nowMs: number, exempt: boolean) {
    this.key = key;
    this.exempt = exempt;
    this.lastSeenMs = nowMs;
    this.#limits = limits;
    this.#requests = new TokenBucket(limits.requestBurst, limits.requestRefillMs, nowMs);
    this.#emails = new TokenBucket(limits.emailBurst, limits.emailRefillMs, nowMs);
    this.#messages = new DailyCounter(limits.messagesPerDay, nowMs);
    this.#bandwidth = new DailyCounter(limits.attachmentBandwidthPerDay, nowMs);
    this.#authFailures = new TokenBucket(limits.authFailureBurst, limits.authFailureRefillMs, nowMs);
    this.#accountCreations = new TokenBucket(ACCOUNT_CREATION_BURST, ACCOUNT_CREATION_REFILL_MS, nowMs);
  }

  /** Sign-ups: ntfy allows 3 in a burst, then one a day (429 42906). */
  takeAccountCreation(nowMs: number): void {
    if (this.exempt) return;
    if (!this.#accountCreations.tryTake(nowMs)) throw new HeraldError('tooManyAccountCreations');
  }

  /** What this visitor used today, for `GET /v1/account`. */
  usage(nowMs: number): { messages: number; emails: number } {
    return { messages: this.#messages.value(nowMs), emails: this.#limits.emailBurst - this.#emails.available(nowMs) };
  }

  /** Credentialed requests are refused with 429 42909 once the visitor's failures ran out. */
  checkAuthFailures(nowMs: number): void {
    if (this.#authFailures.available(nowMs) < 1) throw new HeraldError('tooManyAuthFailures');
  }

  /** Spends one token for a failed credential check. */
  recordAuthFailure(nowMs: number): void {
    this.#authFailures.tryTake(nowMs);
  }

  get limits(): VisitorLimits {
    return this.#limits;
  }

  /** One request from the request bucket, or 429 42901. */
  takeRequest(nowMs: number): void {
    this.lastSeenMs = nowMs;
    if (this.exempt) return;
    if (!this.#requests.tryTake(nowMs)) throw new HeraldError('tooManyRequests', { details: { retryAfterMs: this.#requests.waitMs(nowMs) } });
  }

  /** One message from today's quota, or 429 42908. */
  takeMessage(nowMs: number): void {
    if (this.exempt) return;
    if (!this.#messages.tryAdd(nowMs)) throw new HeraldError('tooManyMessages');
  }

  takeEmail(nowMs: number): void {
    if (this.exempt) return;
    if (!this.#emails.tryTake(nowMs)) throw new HeraldError('tooManyEmails');
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
  takeBandwidth(nowMs: number, bytes: number): void {
    if (this.exempt) return;
    if (!this.#bandwidth.tryAdd(nowMs, bytes)) throw new HeraldError('attachmentBandwidthExceeded');
  }

  bandwidthRemaining(nowMs: number): number {
    return this.exempt ? Number.MAX_SAFE_INTEGER : this.#bandwidth.remaining(nowMs);
  }

  /** A visitor can be forgotten when it holds nothing open and has been idle for `idleMs`. */
  isStale(nowMs: number, idleMs: number): boolean {
    return this.#subscriptions === 0 && nowMs - this.lastSeenMs > idleMs;
  }
}

/** Finds or creates the visitor for an address; forgets idle ones on `prune`. */
export class VisitorRegistry {
  #visitors = new Map<string, Visitor>();
  #keyByIp = new Map<string, string>();
  readonly #limits: VisitorLimits;
  readonly #clock: Clock;
  readonly #isExempt: (ip: string) => boolean;

  constructor(limits: VisitorLimits, clock: Clock, isExempt: (ip: string) => boolean) {
    this.#limits = limits;
    this.#clock = clock;
    this.#isExempt = isExempt;
  }

  forIp(ip: string): Visitor {
    let key = this.#keyByIp.get(ip);
    if (key === undefined) {
      key = `ip:${visitorAddress(ip)}`;
      // Bounded: an IPv6 /64 can hold endless addresses, and this is only a shortcut.
      if (this.#keyByIp.size > 100_000) this.#keyByIp.clear();
      this.#keyByIp.set(ip, key);
    }
    let visitor = this.#visitors.get(key);
    if (!visitor) {
      visitor = new Visitor(key, this.#limits, this.#clock.now(), this.#isExempt(ip));
      this.#visitors.set(key, visitor);
    }
    return visitor;
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

/** The part of an address that identifies a visitor: the whole IPv4 address, or the /64 prefix of an IPv6 one. */
export function visitorAddress(ip: string): string {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (!v4.includes(':')) return v4;
  const [head, tail] = v4.split('::') as [string, string | undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const groups = tail === undefined ? headParts : [...headParts, ...Array(8 - headParts.length - tailParts.length).fill('0'), ...tailParts];
  return `${groups.slice(0, 4).map((g) => (g || '0').toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
