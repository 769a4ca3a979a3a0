import type { DeliveryRecord, PushRecord } from '../../../ports/push-store.js';
import { deliveryRecord, pushRecord, type DeliveryRow as SharedDeliveryRow, type PushRow as SharedPushRow } from '../../sql/push/rows.js';

export { laneIndex, MINUTE } from '../../sql/push/rows.js';

/** A push in `pushes`; `seq` is the row id the deliveries and counts point at. */
export type PushRow = SharedPushRow<number>;

/** One (push, target) pair in `deliveries`, keyed by (push_seq, target). */
export type DeliveryRow = SharedDeliveryRow<number>;

/** What a claim reads of a delivery: where to send it, and the state it leaves. */
export type ClaimRow = Pick<DeliveryRow, 'target' | 'device_id' | 'provider' | 'app' | 'token' | 'p256dh' | 'auth' | 'target_kind' | 'attempts' | 'state'>;

const asIs = (value: number): number => value;

export function pushFromRow(row: PushRow): PushRecord {
  return pushRecord(row, asIs);
}

export function deliveryFromRow(row: DeliveryRow): DeliveryRecord {
  return deliveryRecord(row, asIs);
}
