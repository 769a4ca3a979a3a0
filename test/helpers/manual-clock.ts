import type { Clock } from '../../src/ports/clock.js';

/** A clock the test moves by hand, so timeouts, schedules and limits are tested without sleeping. */
export class ManualClock implements Clock {
  constructor(public time = 1_700_000_000_000) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

/**
 * Real time shifted by `offsetMs`: timers and polling loops run as usual, and a test jumps ahead
 * (past a schedule, a retry, an expiry, quiet hours) with `advance` instead of sleeping.
 */
export class OffsetClock implements Clock {
  constructor(public offsetMs = 0) {}
  now(): number {
    return Date.now() + this.offsetMs;
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
