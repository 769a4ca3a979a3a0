import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/index.js';
import type { AuthService } from '../core/auth/auth-service.js';
import type { ReservationService } from '../core/auth/reservation-service.js';
import type { TierService } from '../core/auth/tier-service.js';
import type { GuardedStreams } from '../core/auth/stream-guard.js';
import type { ApiKeyService } from '../core/keys/api-key-service.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { Hub } from '../core/hub/hub.js';
import type { VisitorRegistry } from '../core/limits/visitor.js';
import type { TopicRegistry } from '../core/topics/topic-registry.js';
import type { TopicService } from '../core/topics/topic-service.js';
import type { AttachmentStore } from '../ports/attachment-store.js';
import type { Clock } from '../ports/clock.js';
import type { Counters } from '../ports/counters.js';
import type { HttpMetrics } from './admin/metrics.js';
import type { HealthCheck } from '../ports/health.js';
import type { AuditTrail } from '../core/audit/audit-trail.js';
import type { DeviceService } from '../core/devices/device-service.js';
import type { SubscriberTokens } from '../core/keys/subscriber-tokens.js';
import type { SubscriberLimits } from '../core/limits/subscriber-limits.js';
import type { PushPipeline } from '../core/push/push-pipeline.js';
import type { StatsSeries } from '../core/stats/stats-series.js';
import type { PushService } from '../core/push/push-service.js';
import type { NotifyDirectory } from '../core/notify/directory.js';
import type { Inbox } from '../core/notify/inbox.js';
import type { NotifyService } from '../core/notify/notify-service.js';
import type { SmsReport } from '../core/notify/notify-types.js';
import type { CallService } from '../core/calls/call-service.js';
import type { EventEndpointService } from '../core/events/index.js';

/** What `GET /v1/version` reports (ntfy 2.17's fields). */
export interface BuildInfo {
  version: string;
  /** The git commit the build was made from; empty when the build did not know it. */
  commit: string;
  /** When the build ran, RFC 3339; empty when unknown. */
  date: string;
}

/** Everything the HTTP app is built from; main.ts assembles it. */
export interface HttpDeps {
  config: Config;
  topics: TopicService;
  topicRegistry: TopicRegistry;
  hub: Hub;
  visitors: VisitorRegistry;
  attachments: AttachmentStore | undefined;
  clock: Clock;
  logger: FastifyBaseLogger;
  metrics: HttpMetrics;
  /** Accounts and access control; undefined while `auth-file` is unset (everything open). */
  auth: AuthService | undefined;
  /** Tiers (ntfy's model); undefined while `auth-file` is unset. */
  tiers?: TierService | undefined;
  /** Topic reservations; undefined while `auth-file` is unset. */
  reservations?: ReservationService | undefined;
  /** API keys of the /v1 APIs (always available: they live in Herald's own database). */
  keys: ApiKeyService;
  /** The append-only audit log, read by `GET /v1/audit`. */
  audit: AuditLog;
  /** Re-checks open streams after an access change, a key revocation or rotation included (closes those that lost read access). */
  onAccessChange: () => void;
  /** Open streams outside the hub (the inbox) whose credential may be revoked; re-checked on access changes. */
  guardedStreams: GuardedStreams;
  /** Writes audit entries for send-API calls and other changes. */
  auditTrail: AuditTrail;
  devices: DeviceService;
  push: PushService;
  /** Queue samples and in-flight counts for metrics. */
  pipeline: PushPipeline;
  /** Recent metrics as a time series, for `GET /v1/stats/series` (the admin console's overview). */
  statsSeries: StatsSeries;
  subscriberTokens: SubscriberTokens;
  /** Request buckets per subscriber, for the subscriber-token routes. */
  subscriberLimits: SubscriberLimits;
  /** The rate-limit counters (API keys' buckets here; visitors' and subscribers' through their own objects). */
  counters: Counters;
  /** Web Push on the topics face; undefined while no VAPID keys are configured. */
  webPush: { publicKey: string; endpointAllowed(endpoint: string): boolean } | undefined;
  /** Subscribers, categories and templates of the notify face. */
  notifyDirectory: NotifyDirectory;
  /** Notifications: accept, route, deliver per channel, status, and what providers report back. */
  notify: NotifyService;
  /** The in-app inbox and its live streams. */
  notifyInbox: Inbox;
  /** Event webhooks for app backends (`/v1/event-endpoints`); optional so test rigs may leave them out. */
  eventEndpoints?: EventEndpointService;
  /** Reads and verifies Twilio status callbacks; undefined while the SMS channel is not configured. */
  smsCallbacks: SmsCallbacks | undefined;
  /** Phone calls (`X-Call`, `/v1/account/phone`); undefined while they are not configured. */
  calls: CallService | undefined;
  /** Version, commit and build date, for the admin-only `/v1/version`. */
  build: BuildInfo;
  /** The state of the database and Redis, for `/v1/health`. */
  health: HealthCheck;
  /** Whether an error means the database is out of reach (answered 503 with Retry-After, not 500). */
  isOutage: (error: unknown) => boolean;
  /**
   * Check every answer of a route that declares its answers against that declaration, and answer
   * 500 naming the mismatch when it differs (tests turn this on; it costs a parse per answer).
   */
  checkResponses?: boolean;
}

export interface SmsCallbacks {
  /** The report in a callback form; undefined when the form is not one. */
  parse(form: Record<string, string>): SmsReport | undefined;
  /** Whether X-Twilio-Signature matches the form posted to `fullUrl` (the URL Twilio was given). */
  verify(fullUrl: string, form: Record<string, string>, signature: string | undefined): boolean;
}
