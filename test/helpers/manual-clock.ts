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
