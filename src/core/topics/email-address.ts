import { isValidTopicName } from './topic-name.js';

/** Where mail to a topic is accepted: `<prefix><topic>[+<token>]@<domain>` (ntfy's scheme). */
export interface TopicMailbox {
  domain: string;
  /** Empty: every local part names a topic. */
  prefix: string;
}

/**
 * What a recipient address means: a topic (with the access token the sender put in the address),
 * or why it is refused. `domain` is mail for another domain (we are no relay); `mailbox` is our
 * domain but no topic address: the prefix is missing or the topic name is invalid.
 */
export type TopicAddress = { topic: string; token?: string } | { refused: 'domain' | 'mailbox' };

/**
 * Reads a recipient address. Domains compare case-insensitively, as DNS does; the prefix too,
 * since some mail systems change the case of local parts. The topic and the token keep theirs:
 * both are case-sensitive.
 */
export function topicForAddress(address: string, mailbox: TopicMailbox): TopicAddress {
  const at = address.lastIndexOf('@');
  if (at <= 0 || address.slice(at + 1).toLowerCase() !== mailbox.domain.toLowerCase()) return { refused: 'domain' };
  let local = address.slice(0, at);
  if (mailbox.prefix !== '') {
    if (!local.toLowerCase().startsWith(mailbox.prefix.toLowerCase())) return { refused: 'mailbox' };
    local = local.slice(mailbox.prefix.length);
  }
  const plus = local.indexOf('+');
  const topic = plus === -1 ? local : local.slice(0, plus);
  const token = plus === -1 ? '' : local.slice(plus + 1);
  if (!isValidTopicName(topic)) return { refused: 'mailbox' };
  return token === '' ? { topic } : { topic, token };
}
