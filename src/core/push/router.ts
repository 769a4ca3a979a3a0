import type { DeviceRecord, DeviceStore } from '../../ports/device-store.js';
import type { NewDelivery, PushRecord, PushStore } from '../../ports/push-store.js';
import type { NewJob, Queue } from '../../ports/queue.js';
import { CHUNK_SIZE, partitionOf, ROUTE_PAGE, sendKeyPrefix, type PushJob } from './jobs.js';
import { rawTokenTarget } from './targets.js';

export interface RouterDeps {
  store: PushStore;
  devices: DeviceStore;
  queue: Queue<PushJob>;
  /** Called after send jobs were enqueued for these partitions, so idle workers wake up. */
  wake(partitions: Iterable<string>): void;
}

/**
 * Turns a push's audience into deliveries and send jobs, one page of devices at a time, so memory
 * stays flat whatever the audience size.
 *
 * Crash safety without a transaction across ledger and queue: each page's deliveries and the
 * routed cursor commit together, then its send jobs are enqueued, then the enqueued cursor
 * follows. A router that finds the enqueued cursor behind the routed one (a crash in between)
 * re-enqueues the queued deliveries of that gap first; send jobs carry deterministic dedup keys,
 * and a worker only claims deliveries still waiting, so doing a page twice sends nothing twice.
 * The routed cursor only moves from where this router last saw it: two routers of the same push
 * (a re-delivered job beside a slow one) cannot both create a page.
 */
export class Router {
  readonly #d: RouterDeps;

  constructor(deps: RouterDeps) {
    this.#d = deps;
  }

  /** Routes the push to the end, or until it is cancelled or another router is ahead. Idempotent. */
  async route(seq: number, now: () => number): Promise<void> {
    const { store } = this.#d;
    const push = await store.bySeq(seq);
    if (!push || push.phase === 'cancelled') return;
    if (push.enqueuedCursor !== push.routedCursor && push.routedCursor !== null) await this.#enqueueGap(push);
    if (push.phase === 'routed') return;

    let cursor = push.routedCursor;
    for (let page = 0; ; page++) {
      // A cancel lands between pages: look again now and then rather than on every page.
      if (page > 0 && page % 20 === 0 && (await store.bySeq(seq))?.phase === 'cancelled') return;
      const next = await this.#nextPage(push, cursor);
      const to = next.rows.length > 0 ? next.rows[next.rows.length - 1]!.target : cursor;
      const added = await store.addDeliveries(seq, cursor, to, next.rows, next.done, now());
      if (added === false) return;
      await this.#enqueue(push, next.rows);
      await store.setEnqueuedCursor(seq, to);
      cursor = to;
      if (next.done) return;
    }
  }

  /** Devices in id order, then raw tokens in key order; `done` once both are exhausted. */
  async #nextPage(push: PushRecord, cursor: string | null): Promise<{ rows: NewDelivery[]; done: boolean }> {
    const { devices, users, topics } = push.audience;
    const inTokens = cursor !== null && cursor.startsWith('tok_');
    const rows: NewDelivery[] = [];
    if (!inTokens && (devices?.length || users?.length || topics?.length)) {
      const page = await this.#d.devices.pageAudience({
        ...(devices?.length ? { deviceIds: devices } : {}),
        ...(users?.length ? { users } : {}),
        ...(topics?.length ? { topics } : {}),
        ...(cursor !== null ? { afterId: cursor } : {}),
        limit: ROUTE_PAGE,
      });
      for (const d of page) rows.push(deviceDelivery(d));
      if (page.length === ROUTE_PAGE) return { rows, done: false };
    }
    // Raw tokens are bounded by the request schema, so they are one page.
    const tokens = (push.audience.tokens ?? [])
      .map((t): NewDelivery => ({
        target: rawTokenTarget(t.provider, t.app, t.token), deviceId: null, provider: t.provider, app: t.app, token: t.token,
        p256dh: t.keys?.p256dh ?? null, auth: t.keys?.auth ?? null,
      }))
      .filter((t) => !inTokens || t.target > cursor!)
      .sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
    const seen = new Set<string>();
    for (const t of tokens) if (!seen.has(t.target)) seen.add(t.target), rows.push(t);
    return { rows, done: true };
  }

  async #enqueueGap(push: PushRecord): Promise<void> {
    const { store } = this.#d;
    let after = push.enqueuedCursor;
    for (;;) {
      const rows = await store.queuedBetween(push.seq, after, push.routedCursor!, ROUTE_PAGE);
      if (rows.length === 0) break;
      await this.#enqueue(push, rows);
      after = rows[rows.length - 1]!.target;
      if (rows.length < ROUTE_PAGE) break;
    }
    await store.setEnqueuedCursor(push.seq, push.routedCursor);
  }

  /** Send jobs for a run of deliveries: per partition, in target order, CHUNK_SIZE at a time. */
  async #enqueue(push: PushRecord, rows: readonly Pick<NewDelivery, 'target' | 'provider' | 'app'>[]): Promise<void> {
    if (rows.length === 0) return;
    const byPartition = new Map<string, string[]>();
    for (const r of rows) {
      const partition = partitionOf(r.app, r.provider);
      let list = byPartition.get(partition);
      if (!list) byPartition.set(partition, (list = []));
      list.push(r.target);
    }
    const jobs: NewJob<PushJob>[] = [];
    for (const [partition, targets] of byPartition) {
      for (let i = 0; i < targets.length; i += CHUNK_SIZE) {
        const chunk = targets.slice(i, i + CHUNK_SIZE);
        jobs.push({
          partition,
          lane: push.lane,
          payload: { kind: 'send', seq: push.seq, targets: chunk },
          dedupKey: `${sendKeyPrefix(push.seq)}${partition}:${chunk[0]}`,
        });
      }
    }
    await this.#d.queue.enqueue(jobs);
    this.#d.wake(byPartition.keys());
  }
}

function deviceDelivery(d: DeviceRecord): NewDelivery {
  return { target: d.id, deviceId: d.id, provider: d.provider, app: d.app, token: d.token, p256dh: d.keys?.p256dh ?? null, auth: d.keys?.auth ?? null };
}
