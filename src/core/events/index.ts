export { EventEndpointService, DEFAULT_ROTATION_OVERLAP_MS, type EndpointPatch, type NewEndpointInput } from './endpoint-service.js';
export { EventDispatcher, EVENTS_PARTITION, type EventDispatcherOptions, type EventJob } from './event-dispatcher.js';
export { notifyEventsWithWebhooks, pushEventsWithWebhooks, statusReportEvents } from './event-sources.js';
export { ALL_EVENTS, EVENT_TYPES, parseEventTypes } from './event-types.js';
export { checkEndpointUrl, type EndpointUrlRules } from './endpoint-url.js';
