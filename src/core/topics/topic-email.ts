import type { Message } from '../../ports/message.js';

/**
 * The e-mail a topic message's `X-Email` becomes (ntfy's e-mail notifications): the title as
 * subject (else the message's first line), the message, its click URL and attachment link, and
 * a footer saying where it came from, so a recipient can tell who used their address.
 */
export function topicEmail(m: Message, sender: string, baseUrl: string): { subject: string; text: string } {
  const text = m.message ?? '';
  const firstLine = text.split('\n', 1)[0] ?? '';
  const subject = (m.title || firstLine || `New message on ${m.topic}`).replace(/\s*[\r\n]+\s*/g, ' ').slice(0, 200);
  const lines = [text];
  if (m.tags?.length) lines.push('', `Tags: ${m.tags.join(', ')}`);
  if (m.click) lines.push('', `Link: ${m.click}`);
  if (m.attachment?.url) lines.push('', `Attachment: ${m.attachment.name ?? ''} ${m.attachment.url}`.trim());
  const where = baseUrl ? `${baseUrl.replace(/\/+$/, '')}/${m.topic}` : `topic ${m.topic}`;
  lines.push('', '--', `Published to ${where} by ${sender} at ${new Date(m.time * 1000).toISOString()}.`);
  return { subject, text: lines.join('\n') };
}
