import type { DeliveryRecord, PushRecord } from '../../../ports/push-store.js';
import { deliveryRecord, MINUTE, pushRecord, type DeliveryRow as SharedDeliveryRow, type PushRow as SharedPushRow } from '../../sql/push/rows.js';

export { laneIndex, MINUTE } from '../../sql/push/rows.js';

/**
 * The ledger's rows as node-postgres returns them: bigint columns (seqs and unix ms) arrive as
 * strings and become numbers in the mappers below (they stay far below 2^53).
 */
export type PushRow = SharedPushRow<string>;

/** One (push, target) pair in `deliveries`, keyed by (push_seq, target). */
export type DeliveryRow = SharedDeliveryRow<string>;

/** The columns of a delivery the port shows, for SELECT lists (never `claim`, which is internal). */
export const DELIVERY_COLUMNS = 'push_seq, target, device_id, provider, app, token, p256dh, auth, target_kind, state, attempts, next_at, last_status, last_error, provider_id, created_at, updated_at, sent_at';

/**
 * Times are bigint columns and the port's times integral unix ms. A fractional or out-of-range
 * time is brought into the column's range here instead of failing the statement.
 */
export function time(ms: number): number {
  return Math.min(Number.MAX_SAFE_INTEGER, Math.max(Number.MIN_SAFE_INTEGER, Math.trunc(ms)));
}

export function minuteOf(ms: number): number {
  return Math.floor(time(ms) / MINUTE);
}

/**
 * PostgreSQL text cannot hold U+0000, and a statement carrying one fails whole. Free text from
 * outside (a raw token from the request, a provider's error text or id) has it replaced by U+FFFD
 * instead: no provider issues a token or an id with a NUL in it, so the replaced token is refused
 * by the provider just as the original would have been, and diagnostics lose nothing readable.
 * Ids, names and JSON documents never need this (validated upstream, or escaped by JSON.stringify).
 */
export function pgText<T extends string | null>(value: T): T {
  return (value !== null && value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value) as T;
}

/** Seqs are bigint: anything that is not a safe positive integer names no push (and must not fail the statement's cast). */
export function validSeq(seq: number): boolean {
  return Number.isSafeInteger(seq) && seq > 0;
}

/** Whether any of these has a U+0000, which no text column can hold. */
export function hasNul(...values: string[]): boolean {
  return values.some((v) => v.includes('\u0000'));
}

export function pushFromRow(row: PushRow): PushRecord {
  return pushRecord(row, Number);
}

export function deliveryFromRow(row: DeliveryRow): DeliveryRecord {
  return deliveryRecord(row, Number);
}
