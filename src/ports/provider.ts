/**
 * What happened to one delivery at a provider. Every provider's status codes and reason
 * strings map onto these five, in one table per provider (`adapters/providers/<name>/outcomes.ts`).
 */
export type Outcome =
  /** Accepted by the provider. */
  | { kind: 'ok'; providerId?: string }
  /** A transient failure: try again, not before `afterMs` when the provider said so (Retry-After). */
  | { kind: 'retry'; afterMs?: number; status?: number; reason?: string }
  /** The token or subscription is dead: stop sending to it and mark the device invalid. */
  | { kind: 'invalid_token'; status?: number; reason?: string; /** Unix ms the provider says the token stopped being valid (APNs 410). */ since?: number }
  /** The request itself is wrong (payload, credentials, topic): retrying will not help. */
  | { kind: 'rejected'; status?: number; reason?: string }
  /** Rate limited: back off. `target` says whether the limit is on this device/token or on the whole credential. */
  | { kind: 'throttled'; target: 'device' | 'credential'; afterMs?: number; status?: number; reason?: string };

export type OutcomeKind = Outcome['kind'];

/** One row of a provider's outcome table: how a (status, reason) answer maps to an outcome. */
export interface OutcomeRule {
  /** HTTP status, or undefined for "any". */
  status?: number;
  /** Provider reason / error code, or undefined for "any". */
  reason?: string;
  outcome: OutcomeKind;
  /** For `throttled`. */
  target?: 'device' | 'credential';
  /** Why this row exists (from the provider's documentation). */
  note: string;
}
