import type { DeliveryResult } from '../../ports/push-store.js';

/** What metrics need of one recorded outcome. */
export type RecordedOutcome = Pick<DeliveryResult, 'provider' | 'app' | 'state' | 'latencyMs'>;

/** What the push pipeline reports as it works; the metrics adapter listens. */
export interface PushEvents {
  /** Outcomes just recorded (one entry per delivery). */
  recorded(results: readonly RecordedOutcome[]): void;
}

export const noPushEvents: PushEvents = { recorded() {} };
