import type { NotifyChannel, NotifyPriority } from '../../ports/notify-store.js';
import type { Lane } from '../../ports/queue.js';
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
