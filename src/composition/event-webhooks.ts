import { readFile } from 'node:fs/promises';
import { createEventPoster } from '../adapters/events/event-poster.js';
import type { Config } from '../config/index.js';
import { EventDispatcher, EventEndpointService, EventPublisher, type EventBacklog, type EventDispatcherMetrics, type EventJob } from '../core/events/index.js';
import type { Clock } from '../ports/clock.js';
import type { EventEndpointStore } from '../ports/event-endpoint-store.js';
import type { EventPoster } from '../ports/event-poster.js';
import type { Logger } from '../ports/logger.js';
import type { Queue } from '../ports/queue.js';

/** How often a node re-reads the endpoints, to see changes made through another node. */
export const EVENT_ENDPOINT_REFRESH_MS = 5000;

export interface EventWebhooks {
  endpoints: EventEndpointService;
  publisher: EventPublisher;
  dispatcher: EventDispatcher;
  poster: EventPoster;
}

/**
 * Event webhooks for app backends: the endpoint registry (read into memory here, before anything
 * can emit), the signed sender on the SSRF guard, and the dispatcher on the shared queue. The
 * caller starts the dispatcher, and stops it before closing the poster and the stores.
 */
export async function openEventWebhooks(
  config: Config, stores: { eventEndpoints: EventEndpointStore; eventQueue: Queue<EventJob> }, clock: Clock, logger: Logger,
  metrics?: EventDispatcherMetrics & { watch(source: { backlog(): Promise<EventBacklog> }): void },
): Promise<EventWebhooks> {
  const guard = { allowHttp: config.outboundAllowHttp, allowedHosts: config.outboundAllowedHosts };
  const endpoints = new EventEndpointService(stores.eventEndpoints, clock, guard);
  await endpoints.refresh();
  const ca = config.webhookCaFile ? await readFile(config.webhookCaFile, 'utf8') : undefined;
  const poster = createEventPoster({ guard: { ...guard, ...(ca !== undefined ? { ca } : {}) }, logger });
  const dispatcher = new EventDispatcher({
    endpoints, store: stores.eventEndpoints, queue: stores.eventQueue, poster, clock, logger,
    options: {
      maxAttempts: config.eventWebhookMaxAttempts,
      backoff: { baseMs: config.eventWebhookRetryBase, maxMs: config.eventWebhookRetryMax },
      disableAfter: config.eventWebhookDisableAfter,
      concurrency: 8, visibilityMs: config.pushVisibilityTimeout, idlePollMs: 250,
    },
    ...(metrics ? { metrics } : {}),
  });
  metrics?.watch(dispatcher);
  const publisher = new EventPublisher({
    endpoints, queue: stores.eventQueue, clock, logger, maxAttempts: config.eventWebhookMaxAttempts, queued: (partitions) => dispatcher.wake(partitions),
  });
  endpoints.onChange(() => void dispatcher.sync().catch((err: unknown) => logger.warn({ err }, 'event webhooks: could not match the senders to the endpoints')));
  return { endpoints, publisher, dispatcher, poster };
}
