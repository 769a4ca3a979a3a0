import type { Bus } from '../../ports/bus.js';
import type { Clock } from '../../ports/clock.js';
import type { Counters } from '../../ports/counters.js';
import type { DeviceStore } from '../../ports/device-store.js';
import type { Logger } from '../../ports/logger.js';
import { NOTIFY_CHANNELS, type ChannelDeliveryRecord, type NotifyStore } from '../../ports/notify-store.js';
import type { NewJob, Queue, ReservedJob } from '../../ports/queue.js';
import type { BackoffOptions } from '../retry/backoff.js';
import { QueueLoop } from '../push/queue-loop.js';
import { CapReservations } from './cap-reservations.js';
import type { ChannelDispatch } from './channel-dispatch.js';
import { ChannelRows } from './channel-rows.js';
import { ChannelSender } from './channel-sender.js';
import type { NotifyDirectory } from './directory.js';
import { Fallback } from './fallback.js';
import { NotificationCache } from './notification-cache.js';
import type { NotifyEvents } from './notify-events.js';
import { channelPartition, NOTIFY_CHUNK, NOTIFY_PLAN_PARTITION, NOTIFY_QUEUE, NOTIFY_ROUTE_PARTITION, type NotifyJob, type NotifyMailJob } from './notify-jobs.js';
import { NotifyRouter } from './notify-router.js';
import { RecipientPlanner } from './recipient-planner.js';
import { TopicMail } from './topic-mail.js';

export { noNotifyEvents, type NotifyEvents } from './notify-events.js';

export interface NotifyEngineOptions {
  /** Attempts per channel delivery before it fails. */
  maxAttempts: number;
  backoff: BackoffOptions;
  /** Fallback: how long a sent push or SMS may go unconfirmed before the next channel. */
  fallbackTimeoutMs: number;
  /** Recipients in flight per channel. */
  concurrency: number;
  visibilityMs: number;
  idlePollMs: number;
}

export interface NotifyEngineDeps {
  store: NotifyStore;
  directory: NotifyDirectory;
  devices: DeviceStore;
  queue: Queue<NotifyJob>;
  dispatch: ChannelDispatch;
  /** Push delivery states of the push `actor` (the notification's sender) sent as `id`, for confirming a fallback. */
  pushView(id: string, actor: string): Promise<{ targets: number; counts: Record<string, number> } | undefined>;
  /** Carries wake-ups and cancellations to the engines of every node (this one included). */
  bus: Bus;
  /** Where frequency caps take their slots, shared by every node (see CapReservations). */
  counters: Counters;
  clock: Clock;
  logger: Logger;
  events?: NotifyEvents;
  options: NotifyEngineOptions;
}

/**
 * Works the notify face's jobs, one queue loop per partition: routing a notification's audience
 * ({@link NotifyRouter}), planning recipients again when their time comes ({@link RecipientPlanner})
 * and confirming fallbacks ({@link Fallback}), and sending per channel ({@link ChannelSender}, with
 * topic e-mails, {@link TopicMail}, in the e-mail partition). Every step writes its rows before it
 * acks its job, so a crash costs at most a repeat: a repeated send finds its row already final and
 * skips it.
 *
 * Every node runs one, all on the same queue. {@link wake} and {@link forget} go through the bus,
 * so work enqueued on one node is reserved at once by whichever node is idle (not after an idle
 * poll), and a cancel reaches the notification copies every node keeps.
 */
export class NotifyEngine {
  readonly #d: NotifyEngineDeps;
  readonly #loops: QueueLoop<NotifyJob>[] = [];
  readonly #byPartition = new Map<string, QueueLoop<NotifyJob>>();
  readonly #fallback: Fallback;
  readonly #mail: TopicMail;
  readonly #unsubscribe: (() => void)[];
  #started = false;
  #stopping = false;

  constructor(deps: NotifyEngineDeps) {
    this.#d = deps;
    const { store, directory, devices, queue, dispatch, bus, counters, clock, logger, events, options } = deps;
    const notifications = new NotificationCache(store);
    const rows = new ChannelRows(store, events);
    const enqueue = (jobs: NewJob<NotifyJob>[]) => this.enqueue(jobs);
    const fallback = (this.#fallback = new Fallback({ store, notifications, rows, pushView: deps.pushView, clock, fallbackTimeoutMs: options.fallbackTimeoutMs, enqueue }));
    const caps = new CapReservations({ store, counters, logger });
    const planner = new RecipientPlanner({ store, directory, dispatch, caps, notifications, rows, clock, enqueue });
    const router = new NotifyRouter({ store, devices, queue, notifications, planner, rows, clock, enqueue, stopping: () => this.#stopping });
    const sender = new ChannelSender({ store, queue, directory, dispatch, notifications, fallback, rows, clock, logger, enqueue, options });
    const mail = (this.#mail = new TopicMail({ queue, dispatch, clock, logger, enqueue, options }));

    const loop = (partition: string, capacity: number, typicalWeight: number, handle: (job: ReservedJob<NotifyJob>) => Promise<void>) => {
      const l = new QueueLoop<NotifyJob>({
        queue, partition, capacity, typicalWeight, highHeadroom: Math.max(typicalWeight, Math.ceil(capacity / 4)),
        weight: (job) => (job.payload.kind === 'channel' ? job.payload.subscribers.length : 1),
        handle, visibilityMs: options.visibilityMs, idlePollMs: options.idlePollMs, clock, logger,
      });
      this.#loops.push(l);
      this.#byPartition.set(partition, l);
    };
    loop(NOTIFY_ROUTE_PARTITION, 2, 1, (job) => router.route(job));
    loop(NOTIFY_PLAN_PARTITION, 32, 1, async (job) => {
      const p = job.payload;
      if (p.kind === 'plan') await planner.replan(p);
      else if (p.kind === 'confirm') await fallback.confirm(p);
      await queue.ack(job);
    });
    for (const channel of NOTIFY_CHANNELS) {
      loop(channelPartition(channel), options.concurrency, NOTIFY_CHUNK, async (job) => {
        const p = job.payload;
        if (p.kind === 'mail') return mail.work(job, p);
        if (p.kind === 'channel') return sender.work(job, p);
        await queue.deadLetter(job, 'not a channel job');
      });
    }

    this.#unsubscribe = [
      bus.subscribe('queue.wake', ({ queue: name, partitions }) => {
        if (name === NOTIFY_QUEUE) this.#wakeHere(partitions);
      }),
      bus.subscribe('notify.cancelled', ({ seq }) => notifications.forget(seq)),
    ];
  }

  start(): void {
    this.#started = true;
    for (const l of this.#loops) l.start();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#loops.map((l) => l.stop()));
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }

  /**
   * Work is due in these partitions: the loops of every node that serve them reserve at once.
   * This node's are woken before this returns.
   */
  wake(partitions: Iterable<string>): void {
    void this.#d.bus.publish('queue.wake', { queue: NOTIFY_QUEUE, partitions: [...partitions] });
  }

  /**
   * The notification changed (it was cancelled): every node drops its copy and reads it again, so
   * none sends from the old one. This node's is dropped before this returns.
   */
  forget(seq: number): Promise<void> {
    return this.#d.bus.publish('notify.cancelled', { seq });
  }

  /** Enqueues and wakes the partitions with work due now; later work waits for the loops' polls anyway. */
  async enqueue(jobs: NewJob<NotifyJob>[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.#d.queue.enqueue(jobs);
    const now = this.#d.clock.now();
    const due = new Set<string>();
    for (const job of jobs) if ((job.runAt ?? now) <= now) due.add(job.partition);
    if (due.size > 0) this.wake(due);
  }

  /** Queues a plain e-mail (a topic message's X-Email): durable, retried like any channel send. */
  mail(mail: Omit<NotifyMailJob, 'kind'>): Promise<void> {
    return this.#mail.queue(mail);
  }

  /** A delivery receipt arrived (SMS status callback, bounce): confirm it, or move on when it failed. */
  receipt(row: ChannelDeliveryRecord, outcome: { delivered: true } | { delivered: false; reason: string }): Promise<void> {
    return this.#fallback.receipt(row, outcome);
  }

  #wakeHere(partitions: readonly string[]): void {
    // A wake from another node can come before this one started; start reserves at once anyway.
    if (!this.#started) return;
    for (const p of partitions) this.#byPartition.get(p)?.wake();
  }
}
