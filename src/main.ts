import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { availableParallelism } from 'node:os';
import type { Logger as PinoLogger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { createBcryptPasswordHasher } from './adapters/crypto/bcrypt-password-hasher.js';
import type { Config } from './config/index.js';
import { AuthService } from './core/auth/auth-service.js';
import { AuditTrail } from './core/audit/audit-trail.js';
import { ApiKeyService } from './core/keys/api-key-service.js';
import { GuardedStreams, TokenExpiryGuard } from './core/auth/stream-guard.js';
import { AccessChanges } from './core/auth/access-changes.js';
import { openBus } from './composition/bus.js';
import { accountProvisioning, startAccounts } from './composition/accounts.js';
import type { ProvisioningPlan } from './core/auth/provisioning.js';
import { closeInOrder } from './composition/close-in-order.js';
import { openCounters } from './composition/counters.js';
import { healthCheck } from './composition/health.js';
import { readBuildInfo } from './composition/build-info.js';
import { OpenedResources } from './composition/opened-resources.js';
import { redisSettings } from './composition/redis-settings.js';
import { openStores } from './composition/stores.js';
import { openAttachmentStore } from './composition/attachments.js';
import type { Bus } from './ports/bus.js';
import { Hub } from './core/hub/hub.js';
import { VisitorRegistry, type VisitorLimits } from './core/limits/visitor.js';
import type { PublishOptions } from './core/publish/publish-options.js';
import { TopicRegistry } from './core/topics/topic-registry.js';
import { TopicService } from './core/topics/topic-service.js';
import { createMetrics } from './http/admin/metrics.js';
import { createMetricsServer } from './http/admin/metrics-listener.js';
import { createPromMetricsReader } from './adapters/metrics/prom-metrics-reader.js';
import { StatsSeries } from './core/stats/stats-series.js';
import { buildApp, type TlsOptions } from './http/app.js';
import { accountTierServices } from './composition/account-tiers.js';
import { inAddressList } from './http/plugins/address-list.js';
import { systemClock, type Clock } from './ports/clock.js';
import { FailureLog } from './util/failure-log.js';
import type { Counters } from './ports/counters.js';
import { randomBytes } from 'node:crypto';
import { senderSpecs, webPushEndpointAllowed } from './composition/push-senders.js';
import { createSender } from './adapters/providers/sender-factory.js';
import { DeliveryThreads, threadsPerApp } from './composition/delivery-threads.js';
import { DeviceService } from './core/devices/device-service.js';
import { SubscriberTokens } from './core/keys/subscriber-tokens.js';
import { SubscriberLimits } from './core/limits/subscriber-limits.js';
import { PushPipeline } from './core/push/push-pipeline.js';
import { PushService } from './core/push/push-service.js';
import { SenderRegistry } from './core/push/senders.js';
import { topicMessagePush } from './core/push/topic-push.js';
import { revokeWebPushTopics } from './core/push/webpush-access.js';
import { createLiquidEngine } from './adapters/templates/liquid-engine.js';
import { createTemplateDirSource } from './adapters/local/template-dir.js';
import { NotifyDirectory } from './core/notify/directory.js';
import { Inbox } from './core/notify/inbox.js';
import { NotifyService } from './core/notify/notify-service.js';
import { NotifyEngine } from './core/notify/notify-engine.js';
import { ChannelDispatch } from './core/notify/channel-dispatch.js';
import { notifySenders } from './composition/notify-senders.js';
import { topicEmail } from './core/topics/topic-email.js';
import { parseStatusCallback, verifyTwilioSignature } from './adapters/providers/sms/status-callback.js';
import { checkEmailPublishing, startEmailPublishing } from './composition/email-publishing.js';
import { checkPollForwarding, startPollForwarding } from './composition/poll-forwarding.js';
import { openPhoneCalls } from './composition/phone-calls.js';
import { listenOnUnixSocket } from './composition/unix-listener.js';
import { WebPushExpiry } from './core/push/webpush-expiry.js';
import { EVENT_ENDPOINT_REFRESH_MS, openEventWebhooks } from './composition/event-webhooks.js';
import { expiryEvents, notifyEventsWithWebhooks, pushEventsWithWebhooks, statusReportEvents } from './core/events/index.js';
import { exportNotifyEvents, exportPushEvents, exportStatusReports, openAnalyticsExport } from './composition/analytics-export.js';

/** Visitors idle this long are forgotten (ntfy's value); topics are forgotten by the topic service. */
const VISITOR_IDLE_MS = 24 * 3600_000;

export interface RunningServer {
  app: FastifyInstance;
  /**
   * Base URL the server listens on, e.g. http://127.0.0.1:8080: the HTTP listener's, the HTTPS
   * one's when `listen-http` is off, empty when only the Unix socket is served.
   */
  url: string;
  /** Base URL of the HTTPS listener, when one is configured. */
  httpsUrl?: string;
  /** Path of the `listen-unix` socket, when one is configured. */
  unixSocket?: string;
  /** Base URL of the `metrics-listen-http` listener, when one is configured. */
  metricsUrl?: string;
  /** Where the SMTP listener for publishing by e-mail is bound, when `smtp-server-listen` is set. */
  smtp?: { host: string; port: number };
  topics: TopicService;
  /** Stops accepting, ends streams, flushes the cache. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  logger?: PinoLogger;
  /**
   * The counters behind rate limits, owned by the caller (who closes them after `stop`); by
   * default the ones `redis-url` asks for (shared on Redis, else this process's own in memory),
   * which the server opens and closes itself.
   */
  counters?: Counters;
  /**
   * The bus to the other nodes, owned by the caller (who closes it after `stop`); by default the
   * one `redis-url` asks for, which the server opens and closes itself.
   */
  bus?: Bus;
  /**
   * Overrides of the visitor limits the config gives (tests: a daily call quota, which the config
   * grants nobody without tiers).
   */
  visitorLimits?: Partial<VisitorLimits>;
  /** Check answers against the routes' response schemas (tests; see HttpDeps.checkResponses). */
  checkResponses?: boolean;
}

import { createLogger } from './composition/logger.js';

export { createLogger };

/** Where `X-Template: <name>` looks without `template-dir`: Herald's folder, then ntfy's default. */
const DEFAULT_TEMPLATE_DIRS = ['/etc/herald/templates', '/etc/ntfy/templates'];

export function publishOptions(config: Config): PublishOptions {
  return {
    baseUrl: config.baseUrl,
    cacheDurationMs: config.cacheDuration,
    attachmentsEnabled: config.attachmentCacheDir !== '' || config.attachmentS3Url !== '',
    attachmentFileSizeLimit: config.attachmentFileSizeLimit,
    attachmentTotalSizeLimit: config.attachmentTotalSizeLimit,
    attachmentExpiryMs: config.attachmentExpiryDuration,
    messageSizeLimit: config.messageSizeLimit,
    messageDelayMinMs: config.messageDelayMin,
    messageDelayMaxMs: config.messageDelayLimit,
    emailEnabled: config.smtpSenderAddr !== '' && config.smtpSenderFrom !== '',
    disallowedTopics: config.disallowedTopics,
  };
}

export function visitorLimits(config: Config): VisitorLimits {
  return {
    basis: 'ip',
    requestBurst: config.visitorRequestLimitBurst,
    requestRefillMs: config.visitorRequestLimitReplenish,
    // ntfy's default: as many messages a day as the request bucket refills.
    messagesPerDay: config.visitorMessageDailyLimit > 0 ? config.visitorMessageDailyLimit : Math.floor(86_400_000 / config.visitorRequestLimitReplenish),
    emailBurst: config.visitorEmailLimitBurst,
    emailRefillMs: config.visitorEmailLimitReplenish,
    callsPerDay: 0,
    subscriptions: config.visitorSubscriptionLimit,
    attachmentTotalBytes: config.visitorAttachmentTotalSizeLimit,
    attachmentBandwidthPerDay: config.visitorAttachmentDailyBandwidthLimit,
    messageExpiryMs: config.cacheDuration,
    attachmentFileSizeBytes: config.attachmentFileSizeLimit,
    attachmentExpiryMs: config.attachmentExpiryDuration,
    reservations: 0,
    authFailureBurst: config.visitorAuthFailureLimitBurst,
    authFailureRefillMs: config.visitorAuthFailureLimitReplenish,
  };
}

/** How often the account database is checked for changes made by other processes (the CLI). */
const AUTH_POLL_MS = 1000;

/** Splits `[host]:port` (ntfy's listen-http) into what `listen` takes. An empty host means all interfaces. */
export function listenAddress(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[|\]$/g, '');
  return { host: host || '0.0.0.0', port: Number(listen.slice(i + 1)) };
}

/** The composition root: config → adapters → core → HTTP, then listen and start the timers. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  // Checked before anything is opened, so a bad TLS setup leaves nothing half-started.
  const tls = await tlsOptions(config);
  checkEmailPublishing(config);
  checkPollForwarding(config);
  const provisioning = accountProvisioning(config, config.authFile !== '' || config.databaseUrl !== '');
  const logger = options.logger ?? createLogger(config);
  // A start that fails half-way (Redis or PostgreSQL unreachable, a migration that fails, a port
  // in use) closes what it opened, newest first, so the process may simply try again.
  return OpenedResources.attempt(logger, (opened) => compose(config, options, { tls, logger, opened, provisioning }));
}

async function compose(config: Config, options: StartOptions, started: { tls: TlsOptions | undefined; logger: PinoLogger; opened: OpenedResources; provisioning: ProvisioningPlan | undefined }): Promise<RunningServer> {
  const { tls, logger, opened, provisioning } = started;
  const clock = options.clock ?? systemClock;
  const metrics = createMetrics();
  const redis = await redisSettings(config);
  const bus = options.bus ?? opened.keep('bus', await openBus(redis, logger), (b) => b.close());
  const counters = options.counters ?? opened.keep('counters', await openCounters(redis, logger), (c) => c.close());
  const stores = opened.keep('stores', await openStores(config, { clock, logger, onCacheBatch: (size) => metrics.cacheBatchSize.observe(size) }), (s) => s.close());
  const { cache, pushes: pushStore, notify: notifyStore, devices: deviceStore, pushQueue: queue, notifyQueue } = stores;
  const health = healthCheck({
    ping: stores.ping,
    // Redis is reported when this node uses it: from redis-url, or through a bus or counters it was handed.
    redis: redis || options.bus || options.counters ? () => bus.healthy() && counters.healthy() : undefined,
  });
  const { store: attachments, where: attachmentsAt } = await openAttachmentStore(config, clock);
  if (attachments) opened.keep('attachments', attachments, (a) => a.close());
  const hub = new Hub();
  const topicRegistry = new TopicRegistry({ global: config.globalTopicLimit, perVisitor: config.visitorTopicLimit });
  const visitors = new VisitorRegistry({ ...visitorLimits(config), ...options.visitorLimits }, clock, (ip) => inAddressList(ip, config.visitorRequestLimitExemptHosts), counters, { ipv4: config.visitorPrefixBitsIpv4, ipv6: config.visitorPrefixBitsIpv6 });
  const calls = await openPhoneCalls(config, stores.auth, logger);
  if (calls) opened.keep('phone calls', calls, (c) => c.close());
  const templates = createTemplateDirSource(config.templateDir ? [config.templateDir] : DEFAULT_TEMPLATE_DIRS);
  const topics = new TopicService({ options: { ...publishOptions(config), callsEnabled: calls !== undefined }, cache, attachments, hub, bus, topics: topicRegistry, clock, logger, templates });
  if (calls) topics.onCall(calls);
  // Files of uploads whose message was not cached (or whose deletion was cut short) are orphans now.
  await topics.removeOrphanAttachments();
  const auditTrail = new AuditTrail(stores.audit, clock, logger);
  const keys = new ApiKeyService(stores.keys, clock, auditTrail);
  const auth = stores.auth
    ? new AuthService({ store: stores.auth, hasher: createBcryptPasswordHasher({ cost: config.authBcryptCost }), clock, defaultAccess: config.authDefaultAccess, audit: auditTrail })
    : undefined;
  if (auth && provisioning) await startAccounts(auth, topics, provisioning, logger);
  const eventWebhooks = await openEventWebhooks(config, stores, clock, logger, metrics.eventWebhooks);
  opened.keep('event webhook sender', eventWebhooks.poster, (p) => p.close());
  const analyticsExport = openAnalyticsExport(config, metrics.analyticsExport, logger);
  if (analyticsExport) opened.keep('analytics export', analyticsExport, (e) => e.stop({ timeoutMs: 0 }));
  const specs = await senderSpecs(config);
  // On this thread the senders only encode (to refuse an impossible push at once) unless
  // deliveries run here too; senders connect on first send, so unused ones hold no connection.
  const senders = opened.keep('push senders', new SenderRegistry(specs.map((spec) => createSender(spec, clock, logger))), (s) => s.close());
  const tokenRules = { webPushEndpoint: (endpoint: string) => webPushEndpointAllowed(config, endpoint) };
  const workerOptions = {
    policy: { maxAttempts: config.pushMaxAttempts, backoff: { baseMs: config.pushRetryBase, maxMs: config.pushRetryMax } },
    concurrency: config.pushConcurrency, visibilityMs: config.pushVisibilityTimeout, idlePollMs: 250,
  };
  // Threads open the stores' files themselves, so they need files (not :memory:, not PostgreSQL,
  // where this thread's workers share the queue with every node's) and the system clock.
  const threadFiles = config.pushDeliveryThreads && options.clock === undefined ? stores.threadFiles : undefined;
  const perApp = threadsPerApp(config.pushThreadsPerApp, specs.length, availableParallelism());
  const runners = threadFiles ? new DeliveryThreads(specs, threadFiles, workerOptions, perApp, logger, metrics.pushEvents, counters) : undefined;
  if (runners) {
    runners.useEventWebhooks(config.eventWebhookMaxAttempts, (partitions) => eventWebhooks.dispatcher.wake(partitions));
    eventWebhooks.endpoints.onChange(() => runners.eventEndpointsChanged());
    if (analyticsExport) runners.useAnalyticsExport((rows) => analyticsExport.add(rows));
  }
  const pipeline = new PushPipeline({
    store: pushStore, devices: deviceStore, queue, senders, clock, logger, events: exportPushEvents(pushEventsWithWebhooks(metrics.pushEvents, eventWebhooks.publisher), analyticsExport, deviceStore, logger), bus,
    options: { ...workerOptions, routers: 4, sampleMs: 500 },
    ...(runners ? { runners } : {}),
    rateLimiter: counters,
  });
  const push = new PushService({
    store: pushStore, devices: deviceStore, queue, senders, pipeline, clock, logger,
    options: { idempotencyMs: 24 * 3600_000, lagLimitMs: config.queueLagLimit, maxScheduleMs: 30 * 24 * 3600_000, tokenRules },
    statusReported: exportStatusReports(statusReportEvents(eventWebhooks.publisher), analyticsExport, deviceStore, logger),
  });
  const devices = new DeviceService(deviceStore, clock, (provider, app) => senders.get(provider, app) !== undefined, tokenRules);
  const subscriberTokens = new SubscriberTokens(
    config.subscriberTokenSecrets.length > 0 ? config.subscriberTokenSecrets : [await stores.secret('subscriber-tokens', () => randomBytes(32).toString('base64url'))],
  );
  const webPushSender = senders.get('webpush', 'default');
  const webPush = webPushSender ? { publicKey: config.webPushPublicKey, endpointAllowed: tokenRules.webPushEndpoint } : undefined;
  topics.onPublished((message) => push.sendToTopic(message.topic, message.id, () => topicMessagePush(message, config.baseUrl), `topic:${message.topic}`));
  const webPushExpiry = webPushSender ? new WebPushExpiry({
    devices: deviceStore, send: (request, actor) => push.send(request, actor), logger, expiring: expiryEvents(eventWebhooks.publisher),
    options: { warnAfterMs: config.webPushExpiryWarningDuration, expireAfterMs: config.webPushExpiryDuration },
  }) : undefined;
  const upstream = startPollForwarding(config, topics, logger);
  if (upstream) opened.keep('poll forwarding', upstream, (u) => u.close());
  metrics.watchQueue(pipeline);
  opened.keep('push pipeline', pipeline, (p) => p.stop({ timeoutMs: 0 }));
  await pipeline.start();
  opened.keep('event dispatcher', eventWebhooks.dispatcher, (d) => d.stop());
  await eventWebhooks.dispatcher.start();
  // The admin console's charts: this node's metrics, a point per stats-series-interval, in memory.
  const statsSeries = new StatsSeries({
    reader: createPromMetricsReader(metrics.registry), clock, logger,
    options: { intervalMs: config.statsSeriesInterval, retentionMs: config.statsSeriesRetention },
  });
  opened.keep('stats series', statsSeries, (s) => s.stop());
  await statsSeries.start();

  const guardedStreams = new GuardedStreams();
  const accessChanges = new AccessChanges({ bus, hub, auth, guardedStreams, logger });
  // Durable work that follows an access change, done once by the node that saw the change.
  const narrowWebPush = () => {
    if (!auth) return;
    revokeWebPushTopics(deviceStore, auth, () => clock.now()).then(
      (n) => n > 0 && logger.info({ changed: n }, 'web push subscriptions narrowed after an access change'),
      (err: unknown) => logger.error({ err }, 'web push access re-check failed'),
    );
  };
  // An access change through this node's API: every node re-checks its open streams.
  const revoke = () => {
    void accessChanges.announce('account, token, key or access rule changed');
    narrowWebPush();
  };

  const notifyInbox = new Inbox({ store: notifyStore, clock, bus });
  const notifyDirectory = new NotifyDirectory({ store: notifyStore, devices: deviceStore, engine: createLiquidEngine(), clock, pushes: pushStore, inbox: notifyInbox });
  const channelSenders = await notifySenders(config, logger);
  for (const [name, sender] of Object.entries(channelSenders)) opened.keep(`${name} sender`, sender, (s) => s.close());
  const dispatch = new ChannelDispatch({
    transports: { ...channelSenders, push, inbox: notifyInbox }, store: notifyStore, tokens: subscriberTokens, baseUrl: config.baseUrl,
  });
  const notifyEngine = new NotifyEngine({
    store: notifyStore, directory: notifyDirectory, devices: deviceStore, queue: notifyQueue, dispatch, bus, counters, clock, logger,
    events: exportNotifyEvents(notifyEventsWithWebhooks(metrics.notifyEvents, eventWebhooks.publisher, (seq) => notifyStore.getNotificationBySeq(seq)), analyticsExport, notifyStore, logger),
    pushView: (id, actor) => push.view(id, { actor }).catch(() => undefined),
    options: {
      maxAttempts: config.notifyMaxAttempts, backoff: { baseMs: config.pushRetryBase, maxMs: config.pushRetryMax },
      fallbackTimeoutMs: config.notifyFallbackTimeout, concurrency: 200, visibilityMs: config.pushVisibilityTimeout, idlePollMs: 250,
    },
  });
  const notify = new NotifyService({
    store: notifyStore, directory: notifyDirectory, queue: notifyQueue, engine: notifyEngine, dispatch, clock, logger,
    options: { idempotencyMs: 24 * 3600_000, maxScheduleMs: 30 * 24 * 3600_000 },
  });
  opened.keep('notify engine', notify, (n) => n.stop());
  await notify.start();
  topics.onEmail((message, address, sender) => notifyEngine.mail({ id: message.id, to: address, ...topicEmail(message, sender, config.baseUrl) }));

  const deps = {
    config, topics, topicRegistry, hub, visitors, attachments, clock, logger, metrics, auth, keys, audit: stores.audit, onAccessChange: revoke, guardedStreams,
    ...accountTierServices(stores.auth, auth, auditTrail, auth ? (userId) => void auth.accountChanged(userId) : undefined),
    auditTrail, devices, push, pipeline, statsSeries, subscriberTokens, webPush,
    notifyDirectory, notify, notifyInbox, eventEndpoints: eventWebhooks.endpoints,
    smsCallbacks: config.twilioAccount ? {
      parse: (form: Record<string, string>) => {
        const r = parseStatusCallback(form);
        return r && { sid: r.sid, status: r.status, final: r.final, addressDead: r.addressDead, ...(r.errorCode ? { errorCode: r.errorCode } : {}) };
      },
      verify: (url: string, form: Record<string, string>, signature: string | undefined) => verifyTwilioSignature(config.twilioAuthToken, url, form, signature),
    } : undefined,
    calls,
    subscriberLimits: new SubscriberLimits(config.subscriberRequestLimitBurst, config.subscriberRequestLimitReplenish, counters),
    counters,
    health,
    build: readBuildInfo(),
    isOutage: stores.isOutage,
    checkResponses: options.checkResponses === true,
  };
  const app = opened.keep('http listener', buildApp(deps), (a) => a.close());
  // With `listen-http: -` the app still serves in-process requests (mail published by SMTP).
  const httpUrl = config.listenHttp !== '' ? await listenOn(app, config.listenHttp, 'http') : undefined;
  // The HTTPS listener is a second app over the same core: one hub, one cache, one set of visitors.
  const httpsApp = tls ? opened.keep('https listener', buildApp(deps, tls), (a) => a.close()) : undefined;
  const httpsUrl = httpsApp ? await listenOn(httpsApp, config.listenHttps, 'https') : undefined;
  // So is the Unix socket's: a Fastify instance listens once.
  const unixApp = config.listenUnix !== '' ? opened.keep('unix socket listener', buildApp(deps), (a) => a.close()) : undefined;
  if (unixApp) await listenOnUnixSocket(unixApp, config.listenUnix, config.listenUnixMode);
  const url = httpUrl ?? httpsUrl ?? '';
  const metricsServer = config.metricsListenHttp !== '' ? opened.keep('metrics listener', createMetricsServer(metrics.registry), closeServer) : undefined;
  const metricsUrl = metricsServer ? await listenMetrics(metricsServer, config.metricsListenHttp) : undefined;
  const smtp = config.smtpServerListen !== '' ? await startEmailPublishing(config, app, listenAddress(config.smtpServerListen), logger) : undefined;
  if (smtp) opened.keep('smtp listener', smtp, (s) => s.close());

  const loops: NodeJS.Timeout[] = [];
  opened.keep('timers', loops, (timers) => timers.forEach((t) => clearInterval(t)));
  loops.push(
    every(config.delayedSenderInterval, () => topics.deliverDue(), 'delayed sender'),
    every(config.managerInterval, async () => {
      await topics.manage();
      await auth?.prune();
      if (config.auditRetention > 0) await stores.audit.pruneBefore(clock.now() - config.auditRetention);
      if (config.pushRetention > 0) await pushStore.prune(clock.now() - config.pushRetention);
      if (config.pushRetention > 0) await notifyStore.prune(clock.now() - config.pushRetention);
      if (config.pushRetention > 0) await stores.eventEndpoints.pruneAttempts(clock.now() - config.pushRetention);
      if (config.deviceInvalidRetention > 0) {
        const pruned = await deviceStore.pruneInvalid(clock.now() - config.deviceInvalidRetention);
        if (pruned > 0) logger.info({ pruned }, 'devices with a dead token removed');
      }
      await webPushExpiry?.run(clock.now());
      visitors.prune(VISITOR_IDLE_MS);
    }, 'manager'),
    // Endpoints changed through another node (or switched off by its dispatcher).
    every(EVENT_ENDPOINT_REFRESH_MS, () => eventWebhooks.endpoints.refresh().then(() => eventWebhooks.dispatcher.sync()), 'event endpoint refresh'),
    // Expiry (a rotated-out key after its overlap, a user token) and keys revoked by the CLI.
    every(AUTH_POLL_MS, () => accessChanges.closeRevokedStreams(), 'inbox stream guard'),
  );
  if (auth) {
    const tokenExpiry = new TokenExpiryGuard();
    loops.push(every(AUTH_POLL_MS, async () => {
      const closed = await tokenExpiry.closeExpired(hub, auth, clock.now());
      if (closed > 0) logger.info({ closed }, 'subscriptions closed: their token expired');
    }, 'token expiry guard'));
  }
  if (auth) {
    // Changes made by another process (the CLI, another node) apply to open streams too.
    // Each node polls for itself and re-checks only its own streams (see AccessChanges).
    let seen = await auth.changeCounter();
    loops.push(every(AUTH_POLL_MS, async () => {
      const now = await auth.changeCounter();
      if (now === seen) return;
      seen = now;
      accessChanges.recheck();
      narrowWebPush();
    }, 'auth watcher'));
  }
  // Messages that fell due while the server was down go out at once, not a tick later.
  await topics.deliverDue();
  logger.info({
    ...(httpUrl ? { listen: httpUrl } : {}), ...(httpsUrl ? { listenHttps: httpsUrl } : {}), ...(unixApp ? { listenUnix: config.listenUnix } : {}), ...(metricsUrl ? { metricsListen: metricsUrl } : {}),
    stores: stores.backend, data: stores.where, bus: redis ? 'redis' : options.bus ? 'given' : 'in-process', attachments: attachmentsAt,
  }, 'herald listening');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // shutdown-timeout bounds the whole stop, in real time, whatever clients and providers do.
      // Most of it is grace for the work in flight; what is still waiting on a provider then is
      // stopped and handed back to the queue (due at once, so the next start sends it first), and
      // the rest of the budget is for that hand-back and for closing the files.
      const started = Date.now();
      const budgetMs = config.shutdownTimeout;
      const handBackMs = Math.min(budgetMs / 4, 1000);
      const graceMs = budgetMs - handBackMs;
      for (const loop of loops) clearInterval(loop);
      void statsSeries.stop();
      let graceOver = false;
      const force = setTimeout(() => {
        graceOver = true;
        app.server.closeAllConnections();
        httpsApp?.server.closeAllConnections();
        unixApp?.server.closeAllConnections();
        // Channel sends still waiting end as retries, which the notify queue keeps.
        for (const c of Object.values(channelSenders)) void c.close();
      }, graceMs);
      force.unref();
      const drained = await within(budgetMs - (Date.now() - started), Promise.all([
        pipeline.stop({ timeoutMs: graceMs, handBackMs }), notify.stop(), eventWebhooks.dispatcher.stop(), app.close(), httpsApp?.close(), unixApp?.close(), metricsServer && closeServer(metricsServer),
        smtp?.close(), upstream?.close(),
      ]));
      clearTimeout(force);
      if (!drained.settled) logger.warn({}, 'shutdown: work in flight did not end in time; its jobs come back after their visibility timeout');
      const closed = await within(Math.max(0, budgetMs - (Date.now() - started)), Promise.all([senders.close(), ...Object.values(channelSenders).map((c) => c.close()), calls?.close(), eventWebhooks.poster.close()]));
      if (!closed.settled) logger.warn({}, 'shutdown: provider connections did not close in time');
      // After the work that feeds it has stopped: what is buffered goes out, within what is left.
      await analyticsExport?.stop({ timeoutMs: Math.max(500, budgetMs - (Date.now() - started)) });
      // Each step runs even when one before it failed (the database gone, say); see closeInOrder.
      let closeFailure: unknown;
      await closeInOrder('shutdown', [
        // The counters topics keep go into the cache, so they are written before the stores close.
        ['saving the publish counter', () => topics.flushCounters()],
        ['closing the stores', () => stores.close()],
        ['closing the attachment store', () => attachments?.close()],
        ['closing the rate-limit counters', () => (options.counters ? undefined : counters.close())],
        // Last: until here, stopping work may still announce (a wake, an inbox event).
        ['closing the bus', () => (options.bus ? undefined : bus.close())],
      ]).catch((err: unknown) => (closeFailure = err));
      const sendsStopped = drained.value?.[0] ?? 0;
      logger.info({
        elapsedMs: Date.now() - started, shutdownTimeoutMs: budgetMs, graceful: !graceOver && drained.settled && closeFailure === undefined,
        pushSendsHandedBack: sendsStopped,
      }, 'herald stopped');
      if (closeFailure !== undefined) throw closeFailure;
    })());

  function every(ms: number, work: () => Promise<unknown>, name: string): NodeJS.Timeout {
    let running = false;
    // A loop that fails on every tick (the database is away) logs the first failure and then a
    // line every half minute, not one a tick.
    const failures = new FailureLog(logger, `${name} failed`);
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      work()
        .then(() => failures.succeeded(), (err: unknown) => failures.failed(err))
        .finally(() => (running = false));
    }, ms);
    timer.unref();
    return timer;
  }

  return { app, url, ...(httpsUrl ? { httpsUrl } : {}), ...(unixApp ? { unixSocket: config.listenUnix } : {}), ...(metricsUrl ? { metricsUrl } : {}), ...(smtp ? { smtp: { host: smtp.host, port: smtp.port } } : {}), topics, stop };
}

async function listenMetrics(server: Server, listen: string): Promise<string> {
  const { host, port } = listenAddress(listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return boundUrl(server, 'http', host, port);
}

function closeServer(server: Server): Promise<void> {
  // A scraper's keep-alive connection must not hold shutdown up.
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Waits for `promise` at most `ms`; `settled` says whether it ended in time. A rejection in time is thrown. */
async function within<T>(ms: number, promise: Promise<T>): Promise<{ settled: boolean; value?: T }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ settled: false }>((resolve) => {
    timer = setTimeout(() => resolve({ settled: false }), Math.max(0, ms));
    timer.unref();
  });
  try {
    return await Promise.race([promise.then((value) => ({ settled: true, value })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function listenOn(app: FastifyInstance, listen: string, scheme: 'http' | 'https'): Promise<string> {
  const { host, port } = listenAddress(listen);
  await app.listen({ host, port });
  return boundUrl(app.server, scheme, host, port);
}

/** The URL a listening server is reached at (port 0 resolved to the bound port). */
function boundUrl(server: Server, scheme: 'http' | 'https', host: string, port: number): string {
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  return `${scheme}://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${boundPort}`;
}

/** The TLS key pair when `listen-https` is set; a half-configured HTTPS setup is a start-up error. */
async function tlsOptions(config: Config): Promise<TlsOptions | undefined> {
  const parts = [config.listenHttps, config.certFile, config.keyFile];
  if (parts.every((p) => p === '')) return undefined;
  if (parts.some((p) => p === '')) throw new Error('listen-https, cert-file and key-file must be set together to serve HTTPS');
  const [cert, key] = await Promise.all([readFile(config.certFile), readFile(config.keyFile)]);
  return { cert, key };
}

/** The stores of the offline CLI commands, also used by tests and benchmarks that seed them. */
export { generateVapidKeys, openAuth, openKeys } from './composition/cli-stores.js';
