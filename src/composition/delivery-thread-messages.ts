import type { SenderSpec } from '../adapters/providers/sender-factory.js';
import type { PartitionWorkerOptions } from '../core/push/partition-worker.js';
import type { OutcomeSummary } from '../core/push/push-events.js';
import type { CapWindow, Reservation } from '../ports/counters.js';
import type { DeliveryEventRow } from '../ports/delivery-event-sink.js';

/** What a delivery thread is started with. */
export interface DeliveryThreadData {
  partition: string;
  spec: SenderSpec;
  queueFile: string;
  databaseFile: string;
  /** The queue file's cross-thread write lock (see adapters/sqlite/write-lock.ts). */
  queueLock: SharedArrayBuffer;
  options: PartitionWorkerOptions;
  /** Event webhooks: the thread queues push outcome events itself (attempts per message). */
  events?: { maxAttempts: number };
  /** Analytics export: the thread posts a row per outcome to the main thread's exporter. */
  analyticsExport?: boolean;
}

export type ToDeliveryThread =
  | { op: 'wake' }
  | { op: 'forget'; seq: number }
  /** Event endpoints changed: re-read which events anyone listens to. */
  | { op: 'event-endpoints-changed' }
  | { op: 'stop'; timeoutMs?: number }
  /** The answer to the thread's `reserve` number `req`: a reservation, or the message the counters rejected with. */
  | { op: 'reserved'; req: number; reservation?: Reservation; error?: string };

export type FromDeliveryThread =
  | { op: 'ready' }
  | { op: 'recorded'; summary: OutcomeSummary }
  /** Event webhook messages were queued: the main thread's dispatcher sends them. */
  | { op: 'events-queued'; partitions: string[] }
  | { op: 'inflight'; n: number }
  /** Rows for the analytics export, one per outcome just recorded. */
  | { op: 'export'; rows: DeliveryEventRow[] }
  /** A rate-limit reservation on the main thread's counters (the thread has none of its own; in scale-out they are Redis). */
  | { op: 'reserve'; req: number; id: string; windows: CapWindow[]; now: number }
  | { op: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; fields: Record<string, unknown>; msg: string }
  /** `sendsStopped`: sends cut short by the stop's timeout, their deliveries handed back to the queue. */
  | { op: 'stopped'; sendsStopped: number };
