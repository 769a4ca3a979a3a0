import type { Message, MessageAction, MessageAttachment } from '../../ports/message.js';

export type { EventKind, Message, MessageAction, MessageAttachment } from '../../ports/message.js';

/**
 * Serialises a message to ntfy's wire JSON: fixed field order, empty fields left out,
 * private fields (`sender`, `user`) never written. No trailing newline.
 */
export function messageToJson(m: Message): string {
  const out: Record<string, unknown> = { id: m.id };
  // ntfy writes it second, and leaves it out when it is the message's own id.
  if (m.sequence_id && m.sequence_id !== m.id) out.sequence_id = m.sequence_id;
  out.time = m.time;
  if (m.expires) out.expires = m.expires;
  out.event = m.event;
  out.topic = m.topic;
  if (m.title) out.title = m.title;
  if (m.message !== undefined && m.message !== '') out.message = m.message;
  if (m.priority) out.priority = m.priority;
  if (m.tags && m.tags.length > 0) out.tags = m.tags;
  if (m.click) out.click = m.click;
  if (m.icon) out.icon = m.icon;
  if (m.actions && m.actions.length > 0) out.actions = m.actions.map(actionToWire);
  if (m.attachment) out.attachment = attachmentToWire(m.attachment);
  if (m.poll_id) out.poll_id = m.poll_id;
  if (m.content_type) out.content_type = m.content_type;
  if (m.encoding) out.encoding = m.encoding;
  return JSON.stringify(out);
}

function actionToWire(a: MessageAction): Record<string, unknown> {
  const out: Record<string, unknown> = { id: a.id, action: a.action, label: a.label, clear: a.clear };
  if (a.url) out.url = a.url;
  if (a.method) out.method = a.method;
  if (a.headers && Object.keys(a.headers).length > 0) out.headers = a.headers;
  if (a.body) out.body = a.body;
  if (a.intent) out.intent = a.intent;
  if (a.extras && Object.keys(a.extras).length > 0) out.extras = a.extras;
  if (a.value) out.value = a.value;
  return out;
}

function attachmentToWire(a: MessageAttachment): Record<string, unknown> {
  const out: Record<string, unknown> = { name: a.name };
  if (a.type) out.type = a.type;
  if (a.size) out.size = a.size;
  if (a.expires) out.expires = a.expires;
  out.url = a.url;
  return out;
}
