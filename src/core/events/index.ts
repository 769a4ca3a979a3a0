export { EventEndpointService, DEFAULT_ROTATION_OVERLAP_MS, type EndpointPatch, type NewEndpointInput } from './endpoint-service.js';
export { EventDispatcher, type EventAttemptResult, type EventBacklog, type EventDispatcherMetrics, type EventDispatcherOptions } from './event-dispatcher.js';
export { EventPublisher, eventPartition, type EventJob } from './event-publisher.js';
export { expiryEvents, notifyEventsWithWebhooks, pushEventsWithWebhooks, statusReportEvents, SUBSCRIPTION_EXPIRED } from './event-sources.js';
export { ALL_EVENTS, EVENT_TYPES, parseEventTypes } from './event-types.js';
export { checkEndpointUrl, type EndpointUrlRules } from './endpoint-url.js';
