import type { Clock } from '../../ports/clock.js';
import type { DeviceStore } from '../../ports/device-store.js';
import type { NotificationRecord, NotifyStore } from '../../ports/notify-store.js';
import type { NewJob, Queue, ReservedJob } from '../../ports/queue.js';
import type { ChannelRows } from './channel-rows.js';
import type { NotificationCache } from './notification-cache.js';
import { groupChannelJobs, NOTIFY_ROUTE_PAGE, type NotifyJob } from './notify-jobs.js';
import { subscriberOrBare } from './plan-rules.js';
import type { Planned, RecipientPlanner } from './recipient-planner.js';

export interface NotifyRouterDeps {
  store: NotifyStore;
  devices: Pick<DeviceStore, 'topicUsers'>;
  queue: Queue<NotifyJob>;
  notifications: NotificationCache;
  planner: RecipientPlanner;
  rows: ChannelRows;
  clock: Clock;
  enqueue(jobs: NewJob<NotifyJob>[]): Promise<void>;
  /** True once the server stops: a route job hands itself back between pages. */
  stopping(): boolean;
}

/**
 * Walks a notification's audience (the subscribers listed, or every user bound to a topic) one
 * page at a time, planning each recipient. Each page's rows are written before the jobs that
 * work them, and the cursor after both, so a crash repeats a page and never loses one.
 */
export class NotifyRouter {
  readonly #d: NotifyRouterDeps;

  constructor(deps: NotifyRouterDeps) {
    this.#d = deps;
  }

  async route(job: ReservedJob<NotifyJob>): Promise<void> {
    const d = this.#d;
    if (job.payload.kind !== 'route') return void (await d.queue.deadLetter(job, 'not a route job'));
    const seq = job.payload.seq;
    let n = await d.notifications.get(seq);
    if (!n || n.phase !== 'routing') return void (await d.queue.ack(job));
    let cursor = n.routeCursor;
    for (;;) {
      if (d.stopping()) return void (await d.queue.retry(job, d.clock.now(), 'server stopped while routing'));
      const { ids, next } = await this.#page(n, cursor);
      const done = next === undefined;
      await this.#planPage(n, ids, next, done);
      if (done) break;
      cursor = next;
      // Read again for every page (a routing notification is never cached): a cancel, on any node,
      // ends the walk here, and the rest of the audience is never planned.
      n = await d.notifications.get(seq);
      if (!n || n.phase !== 'routing') break;
    }
    await d.queue.ack(job);
  }

  /** One page of the audience, and the cursor after it (undefined on the last page). */
  async #page(n: NotificationRecord, cursor: string | undefined): Promise<{ ids: string[]; next?: string }> {
    if ('subscribers' in n.to) {
      // A list is routed in the order given; the cursor is the index reached.
      const from = cursor === undefined ? 0 : Number(cursor);
      const ids = n.to.subscribers.slice(from, from + NOTIFY_ROUTE_PAGE);
      const end = from + ids.length;
      return end < n.to.subscribers.length ? { ids, next: String(end) } : { ids };
    }
    const ids = await this.#d.devices.topicUsers(n.to.topic, { ...(cursor !== undefined ? { after: cursor } : {}), limit: NOTIFY_ROUTE_PAGE });
    return ids.length === NOTIFY_ROUTE_PAGE ? { ids, next: ids[ids.length - 1]! } : { ids };
  }

  async #planPage(n: NotificationRecord, ids: string[], next: string | undefined, done: boolean): Promise<void> {
    const d = this.#d;
    const now = d.clock.now();
    const fresh = await this.#unplanned(n.seq, ids);
    const subscribers = await d.store.getSubscribers(fresh);
    const ctx = await d.planner.context(n);
    const planned: Planned[] = [];
    for (const id of fresh) planned.push(await d.planner.plan(n, ctx, subscriberOrBare(id, subscribers.get(id), now), now, undefined));
    await this.#commit(n, planned, next, done);
  }

  /**
   * Ids of the page that have no recipient row yet. Recipient rows are written last (with the
   * cursor), so a page cut short by a crash is planned again whole: its channel rows and jobs are
   * written anew (a repeat, never a loss), and its frequency-cap slots are found already held.
   */
  async #unplanned(seq: number, ids: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const id of new Set(ids)) if (!(await this.#d.store.getRecipient(seq, id))) out.push(id);
    return out;
  }

  /** Rows first, then the jobs that work them, then the cursor: a crash in between repeats, never loses. */
  async #commit(n: NotificationRecord, planned: Planned[], next: string | undefined, done: boolean): Promise<void> {
    const d = this.#d;
    const now = d.clock.now();
    await d.rows.writing(planned.flatMap((p) => p.channels));
    await d.store.writeBatch({
      channels: planned.flatMap((p) => p.channels),
      sends: planned.filter((p) => p.counted).map((p) => ({ subscriberId: p.recipient.subscriberId, category: n.category, at: now })),
    }, now);
    d.rows.reached(planned.flatMap((p) => p.channels));
    await d.enqueue(groupChannelJobs(n, planned.flatMap((p) => p.jobs), now));
    await d.store.addRecipients(n.seq, planned.map((p) => p.recipient), next, done);
  }
}
