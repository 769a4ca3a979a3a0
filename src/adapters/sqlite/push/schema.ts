import type { Provider } from '../../../ports/device-store.js';
import { LANES, type Lane } from '../../../ports/queue.js';
import type { DeliveryRecord, DeliveryState, PushPhase, PushRecord } from '../../../ports/push-store.js';

/** A push in `pushes`; `seq` is the row id the deliveries and counts point at. */
export interface PushRow {
  seq: number;
  id: string;
  created_at: number;
  send_at: number | null;
  expires_at: number | null;
  /** JSON text. */
  content: string;
  /** JSON text. */
  audience: string;
  /** Index into LANES. */
  lane: number;
  phase: PushPhase;
  routed_cursor: string | null;
  enqueued_cursor: string | null;
  targets: number;
  actor: string;
  category: string | null;
}

/** One (push, target) pair in `deliveries`, keyed by (push_seq, target). */
export interface DeliveryRow {
  push_seq: number;
  target: string;
  device_id: string | null;
  provider: Provider;
  app: string;
  token: string;
  p256dh: string | null;
  auth: string | null;
  state: DeliveryState;
  attempts: number;
  next_at: number | null;
  last_status: number | null;
  last_error: string | null;
  provider_id: string | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
}

/** What a claim reads of a delivery: where to send it, and the state it leaves. */
export type ClaimRow = Pick<DeliveryRow, 'target' | 'device_id' | 'provider' | 'app' | 'token' | 'p256dh' | 'auth' | 'attempts' | 'state'>;

/** The stats tables count per minute since the epoch. */
export const MINUTE = 60_000;

export function laneIndex(lane: Lane): number {
  return LANES.indexOf(lane);
}

export function pushFromRow(row: PushRow): PushRecord {
  return {
    seq: row.seq,
    id: row.id,
    createdAt: row.created_at,
    sendAt: row.send_at,
    expiresAt: row.expires_at,
    content: JSON.parse(row.content) as PushRecord['content'],
    audience: JSON.parse(row.audience) as PushRecord['audience'],
    lane: LANES[row.lane] ?? 'normal',
    phase: row.phase,
    routedCursor: row.routed_cursor,
    enqueuedCursor: row.enqueued_cursor,
    targets: row.targets,
    actor: row.actor,
    category: row.category,
  };
}

export function deliveryFromRow(row: DeliveryRow): DeliveryRecord {
  return {
    pushSeq: row.push_seq,
    target: row.target,
    deviceId: row.device_id,
    provider: row.provider,
    app: row.app,
    token: row.token,
    p256dh: row.p256dh,
    auth: row.auth,
    state: row.state,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    providerId: row.provider_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    sentAt: row.sent_at,
    nextAt: row.next_at,
  };
}
