import type { Provider } from '../../../ports/device-store.js';
import { LANES, type Lane } from '../../../ports/queue.js';
import type { DeliveryRecord, DeliveryState, PushPhase, PushRecord } from '../../../ports/push-store.js';

/**
 * The ledger's rows as node-postgres returns them: bigint columns (seqs and unix ms) arrive as
 * strings and become numbers here (they stay far below 2^53); integer columns are numbers already.
 */
export interface PushRow {
  seq: string;
  id: string;
  created_at: string;
  send_at: string | null;
  expires_at: string | null;
  /** JSON text. */
  content: string;
  /** JSON text. */
  audience: string;
  /** Index into LANES, as on SQLite. */
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
  push_seq: string;
  target: string;
  device_id: string | null;
  provider: Provider;
  app: string;
  token: string;
  p256dh: string | null;
  auth: string | null;
  state: DeliveryState;
  attempts: number;
  next_at: string | null;
  last_status: number | null;
  last_error: string | null;
  provider_id: string | null;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
}

/** The columns of a delivery the port shows, for SELECT lists (never `claim`, which is internal). */
export const DELIVERY_COLUMNS = 'push_seq, target, device_id, provider, app, token, p256dh, auth, state, attempts, next_at, last_status, last_error, provider_id, created_at, updated_at, sent_at';

/** The stats tables count per minute since the epoch. */
export const MINUTE = 60_000;

export function laneIndex(lane: Lane): number {
  return LANES.indexOf(lane);
}

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

function optionalNumber(value: string | null): number | null {
  return value === null ? null : Number(value);
}

export function pushFromRow(row: PushRow): PushRecord {
  return {
    seq: Number(row.seq),
    id: row.id,
    createdAt: Number(row.created_at),
    sendAt: optionalNumber(row.send_at),
    expiresAt: optionalNumber(row.expires_at),
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
    pushSeq: Number(row.push_seq),
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
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    sentAt: optionalNumber(row.sent_at),
    nextAt: optionalNumber(row.next_at),
  };
}
