import type { DeliveryResult } from '../../ports/push-store.js';

/** What the push pipeline reports as it works; the metrics adapter listens. */
export interface PushEvents {
  /** Outcomes just recorded (one entry per delivery). */
  recorded(results: readonly DeliveryResult[]): void;
}

export const noPushEvents: PushEvents = { recorded() {} };
