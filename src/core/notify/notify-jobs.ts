import type { NotificationRecord, NotifyChannel, NotifyPriority } from '../../ports/notify-store.js';
import type { Lane, NewJob } from '../../ports/queue.js';
import { NOTIFY_PARTITION_PREFIX } from '../push/push-pipeline.js';

/**
 * The notify face's jobs, on the same durable queue as push (partitions `notify:*`):
 * - route: walks a notification's audience page by page, planning each recipient;
 * - plan: plans one recipient again later (its local send_at, the end of its quiet hours, a
 *   digest's flush);
 * - channel: sends one notification on one channel to a chunk of recipients;
 * - confirm: with strategy fallback, checks whether a sent push or SMS was confirmed, and moves
 *   on to the next channel when it failed or its time ran out.
 */
export interface NotifyRouteJob {
  kind: 'route';
  seq: number;
}

export interface NotifyPlanJob {
  kind: 'plan';
  seq: number;
  subscriber: string;
  /** Why it waited: a digest flush renders the collected events. */
  reason: 'send_at' | 'quiet_hours' | 'digest';
}

export interface NotifyChannelJob {
  kind: 'channel';
  seq: number;
  channel: NotifyChannel;
  subscribers: string[];
  /** A digest flush: the events collected, rendered as `events` and `count`. */
  digest?: DigestPayload;
}

export interface DigestPayload {
  events: Record<string, unknown>[];
  /** All events of the window; `events` keeps the first hundred. */
  count: number;
}

export interface NotifyConfirmJob {
  kind: 'confirm';
  seq: number;
  channel: NotifyChannel;
  subscriber: string;
  /** Unix ms after which an unconfirmed delivery counts as timed out. */
  deadline: number;
  digest?: DigestPayload;
}

/** A plain e-mail with no template or subscriber behind it: a topic message's `X-Email`. */
export interface NotifyMailJob {
  kind: 'mail';
  id: string;
  to: string;
  subject: string;
  text: string;
}

export type NotifyJob = NotifyRouteJob | NotifyPlanJob | NotifyChannelJob | NotifyConfirmJob | NotifyMailJob;

/** The notify face's queue, as named in `queue.wake` announcements on the bus. */
export const NOTIFY_QUEUE = 'notify';

export const NOTIFY_ROUTE_PARTITION = `${NOTIFY_PARTITION_PREFIX}route`;
export const NOTIFY_PLAN_PARTITION = `${NOTIFY_PARTITION_PREFIX}plan`;

/** Each channel is a partition of its own, so a slow SMTP relay never holds back SMS or push. */
export function channelPartition(channel: NotifyChannel): string {
  return `${NOTIFY_PARTITION_PREFIX}${channel}`;
}

/** Recipients per channel job. */
export const NOTIFY_CHUNK = 50;
/** Recipients planned per routing page. */
export const NOTIFY_ROUTE_PAGE = 500;

/** Critical and high notifications share push's high lane; a topic-wide normal send is bulk. */
export function notifyLane(priority: NotifyPriority, toTopic: boolean): Lane {
  if (priority === 'critical' || priority === 'high') return 'high';
  if (priority === 'low' || toTopic) return 'bulk';
  return 'normal';
}

/** Dedup/cancel keys, `notify:<seq>:…`; the trailing separator keeps seq 1 from matching 12. */
export function notifyKeyPrefix(seq: number): string {
  return `notify:${seq}:`;
}

/** Sends `channel` of the notification to `subscribers`; keyed by the first subscriber and the attempt, so a repeat is a duplicate. */
export function channelJob(n: NotificationRecord, channel: NotifyChannel, subscribers: string[], runAt: number, attempt: number, digest?: DigestPayload): NewJob<NotifyJob> {
  return {
    partition: channelPartition(channel), lane: notifyLane(n.priority, 'topic' in n.to), runAt,
    dedupKey: `${notifyKeyPrefix(n.seq)}${channel}:${subscribers[0]}:${attempt}`,
    payload: { kind: 'channel', seq: n.seq, channel, subscribers, ...(digest ? { digest } : {}) },
  };
}

/** Looks at a fallback push or SMS again at `runAt`; gives up on it after `deadline`. */
export function confirmJob(n: NotificationRecord, channel: NotifyChannel, subscriber: string, deadline: number, runAt: number, digest?: DigestPayload): NewJob<NotifyJob> {
  return {
    partition: NOTIFY_PLAN_PARTITION, lane: notifyLane(n.priority, 'topic' in n.to), runAt,
    dedupKey: `${notifyKeyPrefix(n.seq)}confirm:${channel}:${subscriber}:${runAt}`,
    payload: { kind: 'confirm', seq: n.seq, channel, subscriber, deadline, ...(digest ? { digest } : {}) },
  };
}

/** Plans one recipient again at `at`, for `reason`. */
export function planJob(n: NotificationRecord, subscriber: string, reason: NotifyPlanJob['reason'], at: number): NewJob<NotifyJob> {
  return {
    partition: NOTIFY_PLAN_PARTITION, lane: notifyLane(n.priority, 'topic' in n.to), runAt: at,
    dedupKey: `${notifyKeyPrefix(n.seq)}plan:${reason}:${subscriber}`,
    payload: { kind: 'plan', seq: n.seq, subscriber, reason },
  };
}

/**
 * The single-recipient channel jobs of one routing page merged into chunks of up to
 * {@link NOTIFY_CHUNK} per channel. Digests and jobs due more than a second ahead stay single: they
 * are not sent with the page.
 */
export function groupChannelJobs(n: NotificationRecord, jobs: readonly NewJob<NotifyJob>[], now: number): NewJob<NotifyJob>[] {
  const out: NewJob<NotifyJob>[] = [];
  const open = new Map<string, NotifyChannelJob>();
  for (const job of jobs) {
    const p = job.payload;
    if (p.kind !== 'channel' || p.digest || (job.runAt ?? 0) > now + 1000) {
      out.push(job);
      continue;
    }
    let chunk = open.get(p.channel);
    if (!chunk || chunk.subscribers.length >= NOTIFY_CHUNK) {
      chunk = { kind: 'channel', seq: n.seq, channel: p.channel, subscribers: [] };
      open.set(p.channel, chunk);
      out.push({ ...job, payload: chunk, dedupKey: `${notifyKeyPrefix(n.seq)}${p.channel}:${p.subscribers[0]}:0` });
    }
    chunk.subscribers.push(...p.subscribers);
  }
  return out;
}
