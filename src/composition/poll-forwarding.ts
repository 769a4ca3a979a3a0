import { PollRequestForwarder } from '../adapters/upstream/poll-request-forwarder.js';
import type { Config } from '../config/index.js';
import type { TopicService } from '../core/topics/topic-service.js';
import type { Logger } from '../ports/logger.js';

/** ntfy's value: an upstream that has not answered by then is not going to. */
const UPSTREAM_TIMEOUT_MS = 10_000;
/** Enough for a burst of publishes while the upstream is slow, not enough to pile up sockets. */
const MAX_IN_FLIGHT = 100;

/**
 * Refuses what ntfy refuses at start: poll requests are addressed by the hash of the topic's public
 * URL, so they need `base-url`, and a server that is its own upstream would only talk to itself.
 */
export function checkPollForwarding(config: Config): void {
  if (config.upstreamBaseUrl === '') return;
  if (config.baseUrl === '') throw new Error('upstream-base-url is set, so base-url must be set too (poll requests name topics by their public URL)');
  if (config.baseUrl === config.upstreamBaseUrl) {
    throw new Error('base-url and upstream-base-url are the same; upstream-base-url is the server that wakes iOS apps, normally https://ntfy.sh');
  }
}

/**
 * `upstream-base-url`: every message published here (not UnifiedPush ones, which no iOS app
 * reads, and not poll requests themselves, which would only bounce between servers) also
 * publishes a poll request upstream. Undefined when `upstream-base-url` is empty.
 */
export function startPollForwarding(config: Config, topics: TopicService, logger: Logger): PollRequestForwarder | undefined {
  if (config.upstreamBaseUrl === '') return undefined;
  const forwarder = new PollRequestForwarder({
    upstreamBaseUrl: config.upstreamBaseUrl,
    baseUrl: config.baseUrl,
    accessToken: config.upstreamAccessToken,
    timeoutMs: UPSTREAM_TIMEOUT_MS,
    maxInFlight: MAX_IN_FLIGHT,
    logger,
  });
  // Poll requests never reach listeners. Clear and delete events (sequence IDs) are not forwarded:
  // they change notifications the app already has, and it learns of them when it next polls.
  topics.onPublished(async (message, how) => {
    if (message.event === 'message' && !how.unifiedPush) forwarder.forward(message.topic, message.id);
  });
  return forwarder;
}
