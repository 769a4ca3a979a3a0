import type { WebhookSender } from '../../ports/notify-channels.js';
import type { EventPost, EventPoster } from '../../ports/event-poster.js';
import type { Logger } from '../../ports/logger.js';
import { createWebhookSender, type WebhookGuardOptions } from '../providers/webhook/sender.js';

export interface EventPosterOptions {
  guard: WebhookGuardOptions;
  logger?: Logger;
  timeoutMs?: number;
}

/**
 * Event webhooks over the webhook channel's sender (signing, SSRF guard, outcome table), one
 * sender per set of secrets: each endpoint has its own secret, and a sender signs with fixed
 * ones. Endpoints are few, so a small pool each is cheap; a sender whose secrets were rotated
 * away is closed when the next post asks for the new set.
 */
export function createEventPoster(options: EventPosterOptions): EventPoster {
  const senders = new Map<string, { key: string; sender: WebhookSender }>();
  let closed = false;
  const senderFor = (post: EventPost): WebhookSender => {
    // One sender per URL origin and secrets: the URL may change with PATCH, the secrets with a rotation.
    const origin = new URL(post.url).origin;
    const key = post.secrets.join(' ');
    const existing = senders.get(origin + '\0' + key);
    if (existing) return existing.sender;
    for (const [k, v] of senders) {
      if (k.startsWith(origin + '\0')) {
        void v.sender.close();
        senders.delete(k);
      }
    }
    const sender = createWebhookSender({
      secrets: post.secrets, guard: options.guard, userAgent: 'Herald-Events',
      ...(options.logger ? { logger: options.logger } : {}), ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      maxSocketsPerOrigin: 4,
    });
    senders.set(origin + '\0' + key, { key, sender });
    return sender;
  };
  return {
    async post(post) {
      if (closed) return { kind: 'retry', reason: 'closed' };
      let sender: WebhookSender;
      try {
        sender = senderFor(post);
      } catch (err) {
        // A malformed URL or secret in the store (edited by hand): no retry repairs it.
        return { kind: 'rejected', reason: (err as Error).message };
      }
      return sender.send({ url: post.url, id: post.id, timestamp: post.timestamp, body: post.body });
    },
    async close() {
      closed = true;
      await Promise.all([...senders.values()].map((s) => s.sender.close()));
      senders.clear();
    },
  };
}
