import type { CapWindow, Counters } from '../../ports/counters.js';
import type { Logger } from '../../ports/logger.js';
import type { NotifyStore } from '../../ports/notify-store.js';
import { capExceeded, type FrequencyCap } from './preferences/index.js';

/** Longest frequency-cap window a preference document may hold (parsePreferences' bound). */
export const MAX_CAP_WINDOW_MS = 366 * 86_400_000;

/** The windows one send reserves in, and what each stands for. */
export interface CapWindows {
  windows: CapWindow[];
  /** Per window, the cap it enforces; undefined for the two that only record the send. */
  caps: (FrequencyCap | undefined)[];
  /** Every key the windows name, for a release. */
  keys: string[];
}

/**
 * How a subscriber's frequency caps map onto {@link Counters.reserve}. The subscriber's sends are
 * kept under two keys, all of them (`cap:<subscriber>:*`) and those of the send's category
 * (`cap:<subscriber>:c:<category>`); every send is recorded under both, for as long as the
 * subscriber's longest cap, so it counts against any cap later. Each cap that applies to the
 * category then adds a window with its limit, in the caps' order, so the first full window names
 * the same cap as {@link capExceeded}. A critical category's send is recorded but limited by
 * nothing (critical categories bypass caps, yet their sends count against them).
 *
 * Category names hold no `:`, so no two (subscriber, category) pairs share a key.
 */
export function capWindows(caps: readonly FrequencyCap[], subscriberId: string, category: string, critical: boolean): CapWindows {
  const all = `cap:${subscriberId}:*`;
  const own = `cap:${subscriberId}:c:${category}`;
  let longest = 1;
  for (const cap of caps) longest = Math.max(longest, Math.min(MAX_CAP_WINDOW_MS, cap.perMs));
  const out: CapWindows = { windows: [{ key: all, windowMs: longest }, { key: own, windowMs: longest }], caps: [undefined, undefined], keys: [all, own] };
  if (critical) return out;
  for (const cap of caps) {
    if (cap.category !== undefined && cap.category !== category) continue;
    out.windows.push({ key: cap.category === undefined ? all : own, windowMs: cap.perMs, limit: cap.max });
    out.caps.push(cap);
  }
  return out;
}

/**
 * The reservation of one notification's send to one subscriber. A notification's recipient is
 * counted once however often it is planned (a crash repeats a page), so a repeat finds its slot
 * held. The notification's id, unlike its seq, is unique across stores too.
 */
export function capReservationId(notificationId: string, subscriberId: string): string {
  return `${notificationId}:${subscriberId}`;
}

/** A slot held in the counters, to give back if the send does not happen after all. */
export interface HeldReservation {
  id: string;
  keys: string[];
}

export type CapVerdict =
  | { kind: 'within'; held?: HeldReservation }
  | { kind: 'capped'; cap: FrequencyCap };

export interface CapSend {
  caps: readonly FrequencyCap[];
  subscriberId: string;
  category: string;
  critical: boolean;
  /** From {@link capReservationId}. */
  id: string;
  now: number;
}

/**
 * Frequency caps, decided atomically across nodes. The store's cap-send log stays the record
 * (every planned send is written there, and caps survive a restart with it); the counters make
 * the decision atomic: checking and taking a slot is one step, so two nodes planning sends to one
 * subscriber at once never both take the last slot, which checking the log and then writing it
 * could not promise.
 *
 * A send passes when both agree. The counters hold every send reserved since they began, so while
 * they last they decide alone and exactly as {@link capExceeded} over the recorded sends; the log
 * speaks up only for sends the counters never saw (in-process counters after a restart, sends from
 * before a subscriber had caps), which is what keeps a cap across a restart.
 */
export class CapReservations {
  readonly #store: Pick<NotifyStore, 'sendsSince'>;
  readonly #counters: Counters;
  readonly #logger: Logger;

  constructor(deps: { store: Pick<NotifyStore, 'sendsSince'>; counters: Counters; logger: Logger }) {
    this.#store = deps.store;
    this.#counters = deps.counters;
    this.#logger = deps.logger;
  }

  /**
   * Decides one send and, when it may go, holds its slot. Rejects when the counters cannot be
   * reached (the caller's job is retried later), except for a critical category, whose sends no cap
   * holds back: it goes without its slot, and the log still records it.
   */
  async admit(send: CapSend): Promise<CapVerdict> {
    const { caps, subscriberId, category, critical, id, now } = send;
    if (caps.length === 0) return { kind: 'within' };
    if (!critical) {
      const since = now - Math.min(MAX_CAP_WINDOW_MS, Math.max(...caps.map((c) => c.perMs)));
      const recorded = capExceeded(caps, category, await this.#store.sendsSince(subscriberId, since), now);
      if (recorded) return { kind: 'capped', cap: recorded };
    }
    const plan = capWindows(caps, subscriberId, category, critical);
    let reservation;
    try {
      reservation = await this.#counters.reserve(id, plan.windows, now);
    } catch (err) {
      if (!critical) throw err;
      this.#logger.warn({ err, subscriber: subscriberId }, 'a critical send went out without its frequency-cap slot: the counters are unreachable');
      return { kind: 'within' };
    }
    if (!reservation.reserved) return { kind: 'capped', cap: plan.caps[reservation.window]! };
    return { kind: 'within', held: { id, keys: plan.keys } };
  }

  /** Gives a slot back: the send it was taken for does not happen. */
  async release(held: HeldReservation): Promise<void> {
    await this.#counters.release(held.id, held.keys);
  }
}
