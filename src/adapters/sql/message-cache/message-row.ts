import type { Insertable } from 'kysely';
import type { EventKind, Message, MessageAction } from '../../../ports/message.js';
import type { MessageRow, MessagesTable } from './schema.js';

/** A cache row as written: every column but `seq`, numbers as numbers. */
export type NewMessageRow = Required<Insertable<MessagesTable>> & {
  time: number;
  expires: number;
  attachment_size: number;
  attachment_expires: number;
};

/** Flattens a message into the cache row; empty strings and zeros stand for "unset". */
export function messageToRow(m: Message, published: boolean): NewMessageRow {
  const a = m.attachment;
  return {
    mid: m.id,
    time: m.time,
    expires: m.expires ?? 0,
    topic: m.topic,
    message: m.message ?? '',
    title: m.title ?? '',
    priority: m.priority ?? 0,
    tags: m.tags && m.tags.length > 0 ? JSON.stringify(m.tags) : '',
    click: m.click ?? '',
    icon: m.icon ?? '',
    actions: m.actions && m.actions.length > 0 ? JSON.stringify(m.actions) : '',
    attachment_name: a?.name ?? '',
    attachment_type: a?.type ?? '',
    attachment_size: a?.size ?? 0,
    attachment_expires: a?.expires ?? 0,
    attachment_url: a?.url ?? '',
    attachment_deleted: 0,
    content_type: m.content_type ?? '',
    encoding: m.encoding ?? '',
    sender: m.sender ?? '',
    user: m.user ?? '',
    published: published ? 1 : 0,
    event: m.event,
    sequence_id: m.sequence_id ?? '',
  };
}

/** The message a row holds; integer columns may arrive as strings (PostgreSQL bigint). */
export function rowToMessage(r: MessageRow): Message {
  const m: Message = { id: r.mid, time: Number(r.time), event: (r.event || 'message') as EventKind, topic: r.topic };
  if (r.sequence_id) m.sequence_id = r.sequence_id;
  const expires = Number(r.expires);
  if (expires) m.expires = expires;
  if (r.message) m.message = r.message;
  if (r.title) m.title = r.title;
  if (r.priority) m.priority = r.priority;
  if (r.tags) m.tags = JSON.parse(r.tags) as string[];
  if (r.click) m.click = r.click;
  if (r.icon) m.icon = r.icon;
  if (r.actions) m.actions = JSON.parse(r.actions) as MessageAction[];
  if (r.attachment_url) {
    m.attachment = { name: r.attachment_name, url: r.attachment_url };
    if (r.attachment_type) m.attachment.type = r.attachment_type;
    const size = Number(r.attachment_size);
    if (size) m.attachment.size = size;
    const attachmentExpires = Number(r.attachment_expires);
    if (attachmentExpires) m.attachment.expires = attachmentExpires;
  }
  if (r.content_type) m.content_type = r.content_type;
  if (r.encoding) m.encoding = r.encoding;
  if (r.sender) m.sender = r.sender;
  if (r.user) m.user = r.user;
  return m;
}
