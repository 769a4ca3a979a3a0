import type { Provider } from '../../../ports/device-store.js';
import { LANES, type Lane } from '../../../ports/queue.js';
import type { DeliveryRecord, DeliveryState, NewPush, PushPhase, PushRecord } from '../../../ports/push-store.js';

/**
 * The push ledger's rows, the same columns in both dialects. `I` is how an integer column holding
 * a seq or a unix-ms time arrives: a number from better-sqlite3, a string from node-postgres (its
 * bigint); plain integer columns are numbers in both.
 */
export interface PushRow<I> {
  seq: I;
  id: string;
  created_at: I;
  send_at: I | null;
  expires_at: I | null;
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
  analytics_id: string | null;
}

/** One (push, target) pair in `deliveries`, keyed by (push_seq, target). */
export interface DeliveryRow<I> {
  push_seq: I;
  target: string;
  device_id: string | null;
  provider: Provider;
  app: string;
  token: string;
  p256dh: string | null;
  auth: string | null;
  /** Null for a token; `topic` or `condition` for an FCM/HMS topic send (column added after 0001). */
  target_kind?: 'topic' | 'condition' | null;
  state: DeliveryState;
  attempts: number;
  next_at: I | null;
  last_status: number | null;
  last_error: string | null;
  provider_id: string | null;
  created_at: I;
  updated_at: I;
  sent_at: I | null;
}

/** The stats tables count per minute since the epoch. */
export const MINUTE = 60_000;

export function laneIndex(lane: Lane): number {
  return LANES.indexOf(lane);
}

/**
 * The record of a push just inserted, as reading its row back would give it, without reading it:
 * the content and audience are the caller's own objects rather than a parse of the JSON just
 * written (a push to a thousand raw tokens carries some 90 KB of audience).
 */
export function acceptedPushRecord(seq: number, push: NewPush): PushRecord {
  return {
    seq, id: push.id, createdAt: push.createdAt, sendAt: push.sendAt, expiresAt: push.expiresAt, content: push.content, audience: push.audience,
    lane: push.lane, phase: 'accepted', routedCursor: null, enqueuedCursor: null, targets: 0, actor: push.actor,
    category: push.category ?? null, analyticsId: push.analyticsId ?? null,
  };
}

export function pushRecord<I>(row: PushRow<I>, int: (value: I) => number): PushRecord {
  return {
    seq: int(row.seq),
    id: row.id,
    createdAt: int(row.created_at),
    sendAt: row.send_at === null ? null : int(row.send_at),
    expiresAt: row.expires_at === null ? null : int(row.expires_at),
    content: JSON.parse(row.content) as PushRecord['content'],
    audience: JSON.parse(row.audience) as PushRecord['audience'],
    lane: LANES[row.lane] ?? 'normal',
    phase: row.phase,
    routedCursor: row.routed_cursor,
    enqueuedCursor: row.enqueued_cursor,
    targets: row.targets,
    actor: row.actor,
    category: row.category,
    analyticsId: row.analytics_id,
  };
}

export function deliveryRecord<I>(row: DeliveryRow<I>, int: (value: I) => number): DeliveryRecord {
  return {
    pushSeq: int(row.push_seq),
    target: row.target,
    deviceId: row.device_id,
    provider: row.provider,
    app: row.app,
    token: row.token,
    p256dh: row.p256dh,
    auth: row.auth,
    ...(row.target_kind ? { kind: row.target_kind } : {}),
    state: row.state,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    providerId: row.provider_id,
    createdAt: int(row.created_at),
    updatedAt: int(row.updated_at),
    sentAt: row.sent_at === null ? null : int(row.sent_at),
    nextAt: row.next_at === null ? null : int(row.next_at),
  };
}
