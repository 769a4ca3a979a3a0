import type { Provider } from '../../ports/device-store.js';

/** Resolves a push's audience into deliveries, page by page (partition {@link ROUTE_PARTITION}). */
export interface RouteJob {
  kind: 'route';
  seq: number;
}

/** Sends one push to up to {@link CHUNK_SIZE} targets of one provider app. */
export interface SendJob {
  kind: 'send';
  seq: number;
  targets: string[];
  /** A dead-letter replay (or a retry of one): the job may claim deliveries that are still `dead`. */
  replay?: true;
}

export type PushJob = RouteJob | SendJob;

export const ROUTE_PARTITION = 'route';
/** The push gateway's queue, as named in `queue.wake` announcements on the bus. */
export const PUSH_QUEUE = 'push';
/** Targets per send job: big enough that queue work is a rounding error, small enough to bound a crash's repeats. */
export const CHUNK_SIZE = 250;
/** Devices per routing page: enough to amortize a transaction, little enough to keep each page short. */
export const ROUTE_PAGE = 500;

/** Each provider credential is its own partition, so one slow or failing app never holds another back. */
export function partitionOf(app: string, provider: Provider): string {
  return `${app}:${provider}`;
}

export function parsePartition(partition: string): { app: string; provider: Provider } | undefined {
  const i = partition.lastIndexOf(':');
  const provider = partition.slice(i + 1);
  if (i <= 0 || !['apns', 'fcm', 'hms', 'webpush'].includes(provider)) return undefined;
  return { app: partition.slice(0, i), provider: provider as Provider };
}

/** Dedup and cancel keys: `route:<seq>:` and `send:<seq>:…`; the trailing separator keeps seq 1 from matching seq 12. */
export function routeKey(seq: number): string {
  return `route:${seq}:`;
}

export function sendKeyPrefix(seq: number): string {
  return `send:${seq}:`;
}
