import type { CapWindow, Reservation } from './counters.js';

/**
 * What the push deliverer needs of the shared counters to enforce per-device and per-user rate
 * limits: the sliding-window reservation of {@link Counters.reserve}, with its contract (atomic
 * across nodes, idempotent per id, rejects while a shared backend is unreachable). On the main
 * thread it is the Counters themselves; a delivery thread, which has none, asks the main thread's.
 */
export interface PushRateLimiter {
  reserve(id: string, windows: readonly CapWindow[], now: number): Promise<Reservation>;
}
