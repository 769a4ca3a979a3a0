import type { Message } from '../messages/message.js';
import { messageToJson } from '../messages/message.js';
import type { PushContent, PushPriority } from '../../ports/push-sender.js';
import { collapseKeyOf } from '../../util/collapse-key.js';
import { sequenceOf } from '../publish/sequence-id.js';

/**
 * How a topic-face message reaches devices subscribed to its topic: title, message, click,
 * priority and tags in the portable notification, everything else in `data`, and for browsers
 * that subscribed through `/v1/webpush` the payload ntfy's web app expects
 * (`{event, subscription_id, message}`). Undefined for what is not a message (poll requests).
 *
 * Every push of one sequence (ntfy 2.16: a message and its updates, clear and delete) shares a
 * collapse key made from the topic and the sequence ID: the push service replaces a pending
 * push of the sequence instead of delivering both (Web Push `Topic`, `apns-collapse-id`, FCM's
 * collapse key), and the notification's `tag` on the device is the same.
 */
export function topicMessagePush(m: Message, baseUrl = ''): Omit<PushContent, 'id'> | undefined {
  if (m.event === 'message_clear' || m.event === 'message_delete') return sequenceEventPush(m, baseUrl);
  if (m.event !== 'message') return undefined;
  const data: Record<string, string> = { id: m.id, time: String(m.time), topic: m.topic, event: m.event };
  if (m.sequence_id) data.sequence_id = m.sequence_id;
  if (m.priority !== undefined) data.priority = String(m.priority);
  if (m.tags?.length) data.tags = m.tags.join(',');
  if (m.click) data.click = m.click;
  if (m.icon) data.icon = m.icon;
  if (m.actions?.length) data.actions = JSON.stringify(m.actions);
  if (m.attachment) data.attachment = JSON.stringify(m.attachment);
  const image = m.attachment && /^image\//.test(m.attachment.type ?? '') ? m.attachment.url : undefined;
  return {
    notification: {
      title: m.title ?? m.topic,
      ...(m.message !== undefined ? { body: m.message } : {}),
      ...(m.click ? { url: m.click } : {}),
      ...(image ? { image } : {}),
      data,
    },
    overrides: {
      webpush: { payload: { event: 'message', subscription_id: baseUrl ? `${baseUrl}/${m.topic}` : m.topic, message: JSON.parse(messageToJson(m)) as Record<string, unknown> } },
    },
    priority: priorityOf(m.priority),
    collapseKey: collapseKeyOf(m.topic, sequenceOf(m)),
    ...(m.expires !== undefined ? { expiresAt: m.expires * 1000 } : {}),
  };
}

/**
 * A clear or delete reaches devices as data only (nothing to show): the app (or ntfy's service
 * worker, from the `event` of its payload) dismisses or removes the notification of the sequence.
 * Under the sequence's collapse key it also replaces a push of the message still pending.
 */
function sequenceEventPush(m: Message, baseUrl: string): Omit<PushContent, 'id'> {
  const data: Record<string, string> = { id: m.id, time: String(m.time), topic: m.topic, event: m.event, sequence_id: sequenceOf(m) };
  return {
    notification: { data },
    overrides: {
      webpush: { payload: { event: m.event, subscription_id: baseUrl ? `${baseUrl}/${m.topic}` : m.topic, message: JSON.parse(messageToJson(m)) as Record<string, unknown> } },
    },
    priority: 'normal',
    collapseKey: collapseKeyOf(m.topic, sequenceOf(m)),
    ...(m.expires !== undefined ? { expiresAt: m.expires * 1000 } : {}),
  };
}

/** ntfy's 1–5 onto the push priorities: 4 and 5 wake the phone, 1 and 2 may wait. */
export function priorityOf(priority: number | undefined): PushPriority {
  if (priority === undefined || priority === 3 || priority === 0) return 'normal';
  return priority >= 4 ? 'high' : 'low';
}
