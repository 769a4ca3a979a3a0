import { Type, type Static, type TLiteral, type TSchema } from '@sinclair/typebox';
import { Create } from '@sinclair/typebox/value';
import { deepFreeze } from './deep-freeze.js';

/**
 * How a key is written in YAML, environment and flags, and so how the loader turns it into its
 * stored form: durations become milliseconds, sizes become bytes, lists come from YAML arrays
 * or comma-separated strings.
 */
export type ConfigKind = 'string' | 'duration' | 'size' | 'integer' | 'boolean' | 'enum' | 'list' | 'objects' | 'mode';

/** Schema annotation read by the loader and by {@link CONFIG_KEYS}; TypeBox ignores it when checking. */
export const KIND_ANNOTATION = 'x-herald-kind';
/** Schema annotation: other spellings an enum accepts, mapped to the stored value. */
export const ALIASES_ANNOTATION = 'x-herald-aliases';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

/** ntfy's topic name rule; a reserved name that could never be a topic would be a typo. */
const TOPIC_NAME = '^[-_A-Za-z0-9]{1,64}$';

function text(defaultValue: string, description: string, options: { minLength?: number } = {}) {
  return Type.String({ ...options, default: defaultValue, description, [KIND_ANNOTATION]: 'string' });
}

/** `positive` for intervals a timer runs on, where zero would spin. */
function duration(defaultMs: number, description: string, options: { positive?: boolean } = {}) {
  const bound = options.positive ? { exclusiveMinimum: 0 } : { minimum: 0 };
  return Type.Integer({ ...bound, default: defaultMs, description, [KIND_ANNOTATION]: 'duration' });
}

function size(defaultBytes: number, description: string, options: { maximum?: number } = {}) {
  return Type.Integer({ minimum: 0, ...options, default: defaultBytes, description, [KIND_ANNOTATION]: 'size' });
}

function integer(defaultValue: number, description: string, options: { minimum?: number; maximum?: number } = {}) {
  return Type.Integer({ minimum: 0, ...options, default: defaultValue, description, [KIND_ANNOTATION]: 'integer' });
}

/** A Unix file mode, written in octal (`0660`); stored as its number, 0 for "not set". */
function fileMode(description: string) {
  return Type.Integer({ minimum: 0, maximum: 0o777, default: 0, description, [KIND_ANNOTATION]: 'mode' });
}

function flag(defaultValue: boolean, description: string) {
  return Type.Boolean({ default: defaultValue, description, [KIND_ANNOTATION]: 'boolean' });
}

/** The default is the first literal unless given. */
function oneOf<L extends TLiteral<string>[]>(
  literals: [...L],
  description: string,
  options: { default?: L[number]['const']; aliases?: Record<string, L[number]['const']> } = {},
) {
  return Type.Union(literals, {
    default: options.default ?? literals[0].const,
    description,
    [KIND_ANNOTATION]: 'enum',
    [ALIASES_ANNOTATION]: options.aliases ?? {},
  });
}

function list(defaultValue: readonly string[], description: string, options: { itemPattern?: string } = {}) {
  const item = options.itemPattern === undefined ? Type.String() : Type.String({ pattern: options.itemPattern });
  return Type.Array(item, { default: [...defaultValue], description, [KIND_ANNOTATION]: 'list' });
}

/**
 * A list of mappings (YAML), e.g. provider credentials; in the environment and on the command line
 * it is written as JSON. Entry keys are kebab-case in YAML (`key-file`), camelCase once loaded.
 */
function objects<T extends TSchema>(item: T, description: string) {
  return Type.Array(item, { default: [], description, [KIND_ANNOTATION]: 'objects' });
}

/** Entry fields: a name unique per provider; `default` when there is only one app. */
const APP_NAME = Type.String({ pattern: '^[a-z0-9][-_a-z0-9]{0,31}$', default: 'default' });
const CONNECTIONS = Type.Integer({ minimum: 1, maximum: 64, default: 2 });
const OPTIONAL_TEXT = Type.String({ default: '' });

/** One APNs credential: token auth (`.p8` key) or certificate auth. */
export const ApnsAppSchema = Type.Object({
  name: APP_NAME,
  bundleId: Type.String({ minLength: 1 }),
  environment: Type.Union([Type.Literal('production'), Type.Literal('sandbox')], { default: 'production' }),
  /** Overrides the environment's host, e.g. a relay or a test server. */
  baseUrl: OPTIONAL_TEXT,
  keyFile: OPTIONAL_TEXT,
  keyId: OPTIONAL_TEXT,
  teamId: OPTIONAL_TEXT,
  certFile: OPTIONAL_TEXT,
  certKeyFile: OPTIONAL_TEXT,
  certPassphrase: OPTIONAL_TEXT,
  /** Extra CA certificates (PEM) to trust for this provider. */
  caFile: OPTIONAL_TEXT,
  connections: CONNECTIONS,
}, { additionalProperties: false });

export const FcmAppSchema = Type.Object({
  name: APP_NAME,
  serviceAccountFile: Type.String({ minLength: 1 }),
  baseUrl: Type.String({ default: 'https://fcm.googleapis.com' }),
  caFile: OPTIONAL_TEXT,
  connections: CONNECTIONS,
}, { additionalProperties: false });

export const HmsAppSchema = Type.Object({
  name: APP_NAME,
  appId: Type.String({ minLength: 1 }),
  clientId: Type.String({ minLength: 1 }),
  clientSecret: Type.String({ minLength: 1 }),
  baseUrl: Type.String({ default: 'https://push-api.cloud.huawei.com' }),
  tokenUrl: Type.String({ default: 'https://oauth-login.cloud.huawei.com/oauth2/v3/token' }),
  caFile: OPTIONAL_TEXT,
}, { additionalProperties: false });

/**
 * The whole configuration. Property names are camelCase here; each is also reachable as the
 * kebab-case YAML key ntfy uses (`listenHttp` ↔ `listen-http`, or `listen_http`), as the
 * environment variable `HERALD_LISTEN_HTTP` and as the flag `--listen-http`.
 */
export const ConfigSchema = Type.Object(
  {
    /**
     * Public URL of this server, without a trailing slash, e.g. `https://ntfy.example.com`.
     * Needed to build attachment download URLs and the links in e-mails.
     * @defaultValue `''` (unset)
     */
    baseUrl: text('', 'public URL of this server, e.g. https://ntfy.example.com'),
    /**
     * Address the HTTP server listens on, as `[host]:port`: `:8080`, `127.0.0.1:8080`, `[::1]:8080`.
     * `-` (ntfy's spelling) or empty: no plain HTTP listener, for a server reached only through
     * `listen-https` or `listen-unix`.
     * @defaultValue `':8080'`
     */
    listenHttp: text(':8080', 'HTTP listen address as [host]:port; - or empty: none (then listen-https or listen-unix)'),
    /**
     * HTTPS listen address as `[host]:port`; needs `cert-file` and `key-file`. Served with
     * HTTP/2 (and HTTP/1.1 for older clients and WebSockets). Empty: no HTTPS listener.
     * @defaultValue `''`
     */
    listenHttps: text('', 'HTTPS (HTTP/2 + HTTP/1.1) listen address as [host]:port; needs cert-file and key-file'),
    /**
     * PEM certificate chain for `listen-https`.
     * @defaultValue `''`
     */
    certFile: text('', 'TLS certificate (PEM) for listen-https'),
    /**
     * PEM private key for `listen-https`.
     * @defaultValue `''`
     */
    keyFile: text('', 'TLS private key (PEM) for listen-https'),
    /**
     * Path of a Unix socket to serve HTTP on as well (ntfy's key), e.g. `/run/herald/herald.sock`
     * for a reverse proxy on the same machine. A stale socket left by an earlier run is replaced;
     * the socket is removed at shutdown. Empty: no socket.
     * @defaultValue `''`
     */
    listenUnix: text('', 'path of a Unix socket to serve HTTP on as well; empty: none'),
    /**
     * File mode of the `listen-unix` socket in octal, e.g. `0660` to let a proxy's group in.
     * Unset: whatever the process umask leaves.
     * @defaultValue unset
     */
    listenUnixMode: fileMode('file mode of the listen-unix socket in octal, e.g. 0660; empty: the umask decides'),
    /**
     * SQLite file holding cached messages. An empty string keeps the cache in memory, as ntfy
     * does when `cache-file` is unset, so it is lost on restart.
     * @defaultValue `'./data/cache.db'`
     */
    cacheFile: text('./data/cache.db', 'SQLite message cache file; empty keeps the cache in memory'),
    /**
     * PostgreSQL connection URL (ntfy's key name), e.g. `postgres://herald:secret@db:5432/herald`.
     * Set, it puts every store and the queue on PostgreSQL instead of the SQLite files, and any
     * number of Herald processes may share it. Empty: embedded SQLite, one process.
     * @defaultValue `''`
     */
    databaseUrl: Type.String({ default: '', pattern: '^$|^postgres(ql)?://', description: 'PostgreSQL URL (postgres://…); empty: embedded SQLite', [KIND_ANNOTATION]: 'string' }),
    /**
     * Most connections each Herald process opens to PostgreSQL (`database-url`). Every store and
     * the queue share this one pool; size it so that processes × pool size stays under the
     * server's `max_connections`.
     * @defaultValue `10`
     */
    databasePoolSize: integer(10, 'most connections each process opens to database-url (one pool shared by every store)', { minimum: 1 }),
    /**
     * PostgreSQL cancels any one statement that runs longer than this (`statement_timeout`), so a
     * stuck query frees its connection instead of starving the pool. 0: no limit. Migrations at
     * start are exempt.
     * @defaultValue `30s`
     */
    databaseStatementTimeout: duration(30 * SECOND, 'longest a single PostgreSQL statement may run before the server cancels it; 0: no limit'),
    /**
     * PEM file of the CA that signed the PostgreSQL server's certificate. Set, connections use TLS
     * and verify the server against it (`sslmode=verify-full` unless the URL says otherwise).
     * Without it, `sslmode` in `database-url` decides (`disable`, `require`, `verify-ca`,
     * `verify-full`; the last two against the system's CAs).
     * @defaultValue `''`
     */
    databaseCaFile: text('', 'CA certificate (PEM) to verify the PostgreSQL server; set, TLS is on (sslmode in database-url also works)'),
    /**
     * Redis URL, e.g. `redis://redis:6379/0` or `rediss://…` for TLS. Set, it carries what every
     * node must hear (live messages, inbox events, closes, cancellations, queue wake-ups) and the
     * shared rate-limit counters. Empty: all of that stays in this process.
     * @defaultValue `''`
     */
    redisUrl: Type.String({ default: '', pattern: '^$|^rediss?://', description: 'Redis URL (redis:// or rediss://); empty: in-process bus and counters', [KIND_ANNOTATION]: 'string' }),
    /**
     * Starts the name of every Redis key and pub/sub channel Herald uses. Every node of one
     * installation must use the same prefix (or they neither hear nor count each other); different
     * installations sharing one Redis use different ones.
     * @defaultValue `'herald:'`
     */
    redisPrefix: text('herald:', 'prefix of every Redis key and channel; the same on every node, different per installation sharing a Redis', { minLength: 1 }),
    /**
     * PEM file of the CA that signed the Redis server's certificate, for a `rediss://` URL served
     * with a private CA. Without it a `rediss://` server is verified against the system's CAs.
     * @defaultValue `''`
     */
    redisCaFile: text('', 'CA certificate (PEM) to verify the Redis server of a rediss:// URL'),
    /**
     * How long Herald waits for any one Redis reply. A Redis that accepts connections but stops
     * answering is then an outage (shared limits fall back to per-node counting, readiness turns
     * 503) instead of requests that hang.
     * @defaultValue `2s`
     */
    redisCommandTimeout: duration(2 * SECOND, 'longest wait for a Redis reply before Redis counts as unreachable', { positive: true }),
    /**
     * Herald's own SQLite database: API keys, the audit log (and, later, devices and subscribers).
     * @defaultValue `'./data/herald.db'`
     */
    databaseFile: text('./data/herald.db', "Herald's own database (API keys, audit log); empty keeps it in memory"),
    /**
     * How long audit entries are kept; 0 keeps them forever.
     * @defaultValue `90d`
     */
    auditRetention: duration(90 * DAY, 'how long audit log entries are kept; 0 keeps them forever'),
    /**
     * The delivery queue and the delivery records of the push gateway (pushes, deliveries, stats).
     * Empty keeps them in memory, which loses queued pushes on restart.
     * @defaultValue `'./data/queue.db'`
     */
    queueFile: text('./data/queue.db', 'delivery queue and delivery records; empty keeps them in memory'),
    /**
     * APNs credentials, one entry per app (YAML list; JSON in the environment).
     * @defaultValue `[]`
     */
    apns: objects(ApnsAppSchema, 'APNs apps: name, bundle-id, environment, key-file + key-id + team-id or cert-file + cert-key-file, base-url, ca-file, connections'),
    /**
     * FCM credentials, one entry per app.
     * @defaultValue `[]`
     */
    fcm: objects(FcmAppSchema, 'FCM apps: name, service-account-file, base-url, ca-file, connections'),
    /**
     * HMS Push Kit credentials, one entry per app.
     * @defaultValue `[]`
     */
    hms: objects(HmsAppSchema, 'HMS apps: name, app-id, client-id, client-secret, base-url, token-url, ca-file'),
    /**
     * VAPID public key (base64url) for Web Push; `herald webpush keys` makes a pair. Both keys and
     * `web-push-email-address` enable Web Push (ntfy's option names).
     * @defaultValue `''`
     */
    webPushPublicKey: text('', 'VAPID public key for Web Push (herald webpush keys)'),
    /**
     * VAPID private key (base64url).
     * @defaultValue `''`
     */
    webPushPrivateKey: text('', 'VAPID private key for Web Push'),
    /**
     * Contact sent to push services in the VAPID token, a `mailto:` or `https:` URL (a bare address gets `mailto:`).
     * @defaultValue `''`
     */
    webPushEmailAddress: text('', 'VAPID contact (mailto: or https:)'),
    /**
     * Push-service hosts Web Push endpoints may point at, added to the built-in ones (FCM, Mozilla,
     * Windows, Apple). `*.example.com` matches subdomains.
     * @defaultValue `[]`
     */
    webPushEndpointAllowlist: list([], 'extra push-service hosts allowed as Web Push endpoints'),
    /**
     * Extra CA certificate (PEM file) trusted for Web Push endpoints, e.g. a self-hosted push
     * service (UnifiedPush distributor, relay) behind a private CA. The well-known roots stay trusted.
     * @defaultValue `''`
     */
    webPushCaFile: text('', 'PEM file of an extra CA trusted for Web Push endpoints'),
    /**
     * A browser subscribed through `/v1/webpush` that has not renewed its subscription for this
     * long gets one push with `{"event":"subscription_expiring"}`, on which ntfy's web app
     * subscribes again (ntfy's key). 0: no warning. Milliseconds.
     * @defaultValue 55d
     */
    webPushExpiryWarningDuration: duration(55 * DAY, 'browsers on /v1/webpush not renewed for this long get a subscription_expiring push; 0: none'),
    /**
     * A browser subscribed through `/v1/webpush` that has not renewed its subscription for this
     * long is removed (ntfy's key). Devices registered through the push API are not affected.
     * 0: kept until the push service reports them gone. Milliseconds.
     * @defaultValue 60d
     */
    webPushExpiryDuration: duration(60 * DAY, 'browsers on /v1/webpush not renewed for this long are removed; 0: kept'),
    /**
     * Hosts, IPs or CIDRs outbound requests may reach even though they are private or loopback
     * (an internal relay, a test mock). Everything else private is refused at connect time.
     * @defaultValue `[]`
     */
    outboundAllowedHosts: list([], 'private hosts/IPs/CIDRs that outbound requests may reach'),
    /**
     * Allow plain http:// for outbound requests to user-supplied URLs (Web Push endpoints). Off: https only.
     * @defaultValue `false`
     */
    outboundAllowHttp: flag(false, 'allow http:// outbound URLs (Web Push endpoints)'),
    /**
     * Attempts per delivery before it is dead-lettered.
     * @defaultValue `8`
     */
    pushMaxAttempts: integer(8, 'attempts per push delivery before it is dead-lettered', { minimum: 1 }),
    /**
     * Ceiling of the first retry delay (exponential backoff with full jitter doubles it per attempt).
     * @defaultValue `1s`
     */
    pushRetryBase: duration(1000, 'first retry delay ceiling (doubles per attempt, full jitter)', { positive: true }),
    /**
     * Longest retry delay, unless a provider's Retry-After asks for more.
     * @defaultValue `15m`
     */
    pushRetryMax: duration(15 * MINUTE, 'longest retry delay'),
    /**
     * Attempts per event webhook message (POST /v1/event-endpoints) before it is given up: network
     * errors, 5xx, 408, 425 and 429 are retried with backoff (after Retry-After when sent).
     * @defaultValue `8`
     */
    eventWebhookMaxAttempts: integer(8, 'attempts per event webhook message before it is given up', { minimum: 1 }),
    /**
     * Ceiling of the first retry delay of an event webhook message (doubles per attempt, full jitter).
     * @defaultValue `5s`
     */
    eventWebhookRetryBase: duration(5000, 'first event webhook retry delay ceiling (doubles per attempt, full jitter)', { positive: true }),
    /**
     * Longest retry delay of an event webhook message, unless the receiver's Retry-After asks for more.
     * @defaultValue `1h`
     */
    eventWebhookRetryMax: duration(60 * MINUTE, 'longest event webhook retry delay'),
    /**
     * Event endpoints whose messages failed (given up) this many times in a row are switched off
     * until re-enabled with PATCH; 0 never switches them off.
     * @defaultValue `50`
     */
    eventWebhookDisableAfter: integer(50, 'event endpoint failures in a row before it is switched off (0: never)', { minimum: 0 }),
    /**
     * PostgreSQL database (`postgres://…`, libpq URL form) the delivery state changes of push and
     * notify are exported to as they happen, in batches, for analytics (docs/analytics.md). It may
     * be Herald's own `database-url` or another server, whether Herald runs on SQLite or PostgreSQL;
     * it has a small pool of its own. Empty: no export.
     * @defaultValue `''`
     */
    analyticsExportUrl: text('', 'PostgreSQL URL that delivery state changes are exported to for analytics; empty: off'),
    /**
     * Table the export writes to, `table` or `schema.table` (letters, digits and `_`); created with
     * its indexes if missing.
     * @defaultValue `herald_delivery_events`
     */
    analyticsExportTable: text('herald_delivery_events', 'table (or schema.table) the analytics export writes to', { minLength: 1 }),
    /**
     * Most rows per INSERT; a full batch is written at once.
     * @defaultValue `500`
     */
    analyticsExportBatchSize: integer(500, 'most rows per analytics export write', { minimum: 1, maximum: 4000 }),
    /**
     * How often rows that did not fill a batch are written, and how soon a failed write is tried again.
     * @defaultValue `1s`
     */
    analyticsExportFlushInterval: duration(1000, 'how often buffered analytics rows are written', { positive: true }),
    /**
     * Most rows kept in memory while the analytics database is slow or away; past it the oldest are
     * dropped (`herald_analytics_export_dropped_total`). Deliveries never wait for the export.
     * @defaultValue `100000`
     */
    analyticsExportBufferLimit: integer(100_000, 'most analytics rows buffered while the database is away (oldest dropped past it)', { minimum: 1 }),
    /**
     * Deliveries one provider app works on at once. A send job of 250 deliveries waits for its
     * slowest answer before its outcomes are recorded, so a few jobs must be in flight to keep two
     * connections of 500 streams busy: at 500, a broadcast left them half idle (7,200 deliveries/s
     * against 12,200/s at 2,500 on the same box). High pushes have a connection of their own, so
     * they do not queue behind these. With several threads per app (`push-threads-per-app`), they
     * share it.
     * @defaultValue `1000`
     */
    pushConcurrency: integer(1000, 'deliveries in flight per provider app', { minimum: 1 }),
    /**
     * How long a worker holds a batch of deliveries before another may take it over. After a crash,
     * deliveries that were in flight are sent again once this passes; it must stay well above the
     * time one batch can take against a slow provider.
     * @defaultValue `2m`
     */
    pushVisibilityTimeout: duration(2 * MINUTE, 'how long an in-flight batch stays reserved (crash recovery delay)', { positive: true }),
    /**
     * Work each provider app's deliveries (its queue loop, ledger writes and provider connections)
     * in a worker thread of its own, so the API and routing keep the main thread, and a broadcast
     * to one provider does not slow sends to another. Off: everything on the main thread (fewer
     * threads and less memory). Needs `queue-file` and `database-file` on disk.
     * @defaultValue `true`
     */
    pushDeliveryThreads: flag(true, 'work each provider app\'s deliveries in a worker thread'),
    /**
     * Delivery threads per provider app, when `push-delivery-threads` is on. One thread keeps one
     * core busy at most: on a bigger machine, a broadcast to one app goes out through several, each
     * with its share of the app's `connections` (one at least) and of `push-concurrency`, all taking
     * jobs from the app's one queue. 0 picks for the machine: the cores but one, divided among the
     * configured apps, between 1 and 4 threads each.
     * @defaultValue `0`
     */
    pushThreadsPerApp: integer(0, 'delivery threads per provider app (0: from the number of cores and apps)', { minimum: 0, maximum: 64 }),
    /**
     * When the oldest due delivery has waited longer than this, `normal` and `low` pushes are
     * answered 503 with Retry-After while `high` ones are still taken. 0 turns shedding off.
     * @defaultValue `5m`
     */
    queueLagLimit: duration(5 * MINUTE, 'queue lag above which low-priority sends get 503; 0 disables'),
    /**
     * How long pushes and their delivery records are kept for status and stats.
     * @defaultValue `7d`
     */
    pushRetention: duration(7 * DAY, 'how long pushes and delivery records are kept'),
    /**
     * How long a device stays in the registry after a provider called its token dead (it is never
     * sent to meanwhile, and a new registration of the token revives it). 0 keeps such devices.
     * @defaultValue `30d`
     */
    deviceInvalidRetention: duration(30 * DAY, 'how long devices with a dead token are kept before removal; 0 keeps them'),
    /**
     * Secrets that sign subscriber tokens and one-click links (32+ characters each). The first
     * signs, all verify, so a secret is rotated by putting a new one first. Empty: a secret is
     * generated on first start and kept in `database-file`.
     * @defaultValue `[]`
     */
    subscriberTokenSecrets: list([], 'secrets for subscriber tokens (first signs, all verify); empty generates one'),
    /**
     * Requests one subscriber (an app or browser with a subscriber token) may make in a burst.
     * @defaultValue `60`
     */
    subscriberRequestLimitBurst: integer(60, 'request bucket size per subscriber (subscriber-token routes)', { minimum: 1 }),
    /**
     * One subscriber request token refilled per this interval.
     * @defaultValue `1s`
     */
    subscriberRequestLimitReplenish: duration(1000, 'one subscriber request token refilled per this interval', { positive: true }),
    /**
     * Requests an API key may make in a burst (answers carry RateLimit-* headers).
     * @defaultValue `600`
     */
    apiKeyRequestLimitBurst: integer(600, 'request bucket size per API key', { minimum: 1 }),
    /**
     * One API-key request token refilled per this interval.
     * @defaultValue `100ms`
     */
    apiKeyRequestLimitReplenish: duration(100, 'one API-key request token refilled per this interval', { positive: true }),
    /**
     * How long messages stay available to `since=` and `poll=1`. Zero disables the cache, and
     * polls then return nothing. Milliseconds.
     * @defaultValue 12h
     */
    cacheDuration: duration(12 * HOUR, 'how long messages stay in the cache; 0 disables it'),
    /**
     * Most messages written to the cache in one group commit. ntfy's `0` ("write synchronously")
     * is read as 1.
     * @defaultValue 1000
     */
    cacheBatchSize: integer(1000, 'most messages written to the cache in one group commit', { minimum: 1 }),
    /**
     * Extra wait before a group commit, to gather more messages into it. Zero commits as soon as
     * the writer is free. Milliseconds.
     * @defaultValue 0ms
     */
    cacheBatchTimeout: duration(0, 'extra wait before a cache group commit'),
    /**
     * SQLite `synchronous` mode of the cache. `full` survives power loss; `normal` is faster and
     * can lose the last commits on power loss (never on a process crash).
     * @defaultValue `'full'`
     */
    cacheSync: oneOf([Type.Literal('full'), Type.Literal('normal')], 'SQLite synchronous mode of the cache'),
    /**
     * Directory attachments are stored in. An empty string disables attachments.
     * @defaultValue `'./data/attachments'`
     */
    attachmentCacheDir: text('./data/attachments', 'attachment directory; empty disables attachments'),
    /**
     * S3-compatible bucket for attachments, shared by every Herald node:
     * `s3://ACCESS_KEY_ID:SECRET@HOST[:PORT]/BUCKET[/PREFIX][?region=us-east-1&path-style=true]`
     * (`s3+http://` for plain HTTP; credentials percent-encoded). Set, it is used instead of
     * `attachment-cache-dir`, whose default then steps aside (setting both is an error). The
     * attachment limits apply the same. Empty: attachments stay in `attachment-cache-dir`.
     * @defaultValue `''`
     */
    attachmentS3Url: text('', 'S3 bucket for attachments, shared by all nodes (s3://KEY_ID:SECRET@host/bucket[/prefix][?region=…]); replaces attachment-cache-dir'),
    /**
     * Most bytes all stored attachments may take together. Bytes.
     * @defaultValue 5G
     */
    attachmentTotalSizeLimit: size(5 * GIB, 'total size of all stored attachments'),
    /**
     * Largest single attachment. Bytes.
     * @defaultValue 15M
     */
    attachmentFileSizeLimit: size(15 * MIB, 'largest single attachment'),
    /**
     * How long an uploaded attachment is kept. Milliseconds.
     * @defaultValue 3h
     */
    attachmentExpiryDuration: duration(3 * HOUR, 'how long attachments are kept'),
    /**
     * Interval between keepalive events on open subscriptions. The Android app gives up after
     * 77s of silence, so stay well below that. Milliseconds.
     * @defaultValue 45s
     */
    keepaliveInterval: duration(45 * SECOND, 'interval between keepalive events on subscriptions', { positive: true }),
    /**
     * Interval of the housekeeping pass that prunes expired messages and idle topics. Milliseconds.
     * @defaultValue 1m
     */
    managerInterval: duration(MINUTE, 'interval of the pruning and stats pass', { positive: true }),
    /**
     * How often scheduled (`delay=`) messages are checked for release. Milliseconds.
     * @defaultValue 10s
     */
    delayedSenderInterval: duration(10 * SECOND, 'how often scheduled messages are released', { positive: true }),
    /**
     * How often the admin console's time series (`GET /v1/stats/series`) takes a point of this
     * node's metrics: publishes/s, pushes/s by provider and outcome, send latency quantiles, queue
     * lag, open subscribers, notify channel states. Milliseconds.
     * @defaultValue 10s
     */
    statsSeriesInterval: duration(10 * SECOND, 'how often the stats series takes a point of the metrics', { positive: true }),
    /**
     * How far back the stats series keeps points, in memory (at most 100,000 intervals). Milliseconds.
     * @defaultValue 1h
     */
    statsSeriesRetention: duration(HOUR, 'how far back the stats series keeps points (in memory)', { positive: true }),
    /**
     * Largest message body accepted as a message; bigger bodies become attachments when those
     * are enabled. ntfy warns above 4K because some clients break, and refuses above 5M. Bytes.
     * @defaultValue 4096
     */
    messageSizeLimit: size(4 * KIB, 'largest message body before it becomes an attachment', { maximum: 5 * MIB }),
    /**
     * Furthest into the future a message may be scheduled. Milliseconds.
     * @defaultValue 3d
     */
    messageDelayLimit: duration(3 * DAY, 'longest delay a message may be scheduled for'),
    /**
     * Shortest delay a scheduled message may use. Milliseconds.
     * @defaultValue 10s
     */
    messageDelayMin: duration(10 * SECOND, 'shortest delay a message may be scheduled for'),
    /**
     * Most topics the server holds at once; creating one more gives 429 42904.
     * @defaultValue 15000
     */
    globalTopicLimit: integer(15000, 'most topics on the server'),
    /**
     * Most open subscriptions per visitor; one more gives 429 42903.
     * @defaultValue 30
     */
    visitorSubscriptionLimit: integer(30, 'most open subscriptions per visitor'),
    /**
     * Most topics one subscribe request may name (`/a,b,c/json`, `/…/ws`, `/…/auth`); more gives
     * 400 40080. ntfy's apps open one connection per server for all of its topics.
     * @defaultValue 100
     */
    subscriptionTopicLimit: integer(100, 'most topics one subscribe request may name', { minimum: 1 }),
    /**
     * Most topics one visitor may bring into being that the server still remembers; one more
     * gives 429 42920, so that no single visitor can use up `global-topic-limit`. A topic is
     * forgotten (and no longer counted) shortly after it has no subscriber and no cached message.
     * Exempt hosts are not counted.
     * @defaultValue 1000
     */
    visitorTopicLimit: integer(1000, 'most remembered topics one visitor may have created', { minimum: 1 }),
    /**
     * Size of each visitor's request token bucket.
     * @defaultValue 60
     */
    visitorRequestLimitBurst: integer(60, 'request bucket size per visitor'),
    /**
     * One request token is returned to the bucket per this interval. Milliseconds.
     * @defaultValue 5s
     */
    visitorRequestLimitReplenish: duration(5 * SECOND, 'one request token refilled per this interval', { positive: true }),
    /**
     * Hostnames, IP addresses or CIDR ranges exempt from the request limit. Hostnames are
     * resolved once at startup.
     * @defaultValue `[]`
     */
    visitorRequestLimitExemptHosts: list([], 'hosts, IPs or CIDRs exempt from the request limit'),
    /**
     * IPv4 addresses sharing this many leading bits count as one visitor for rate limits; 32 is
     * one visitor per address. ntfy's key.
     * @defaultValue 32
     */
    visitorPrefixBitsIpv4: integer(32, 'IPv4 prefix length that makes one visitor (32: each address)', { minimum: 1, maximum: 32 }),
    /**
     * IPv6 addresses sharing this many leading bits count as one visitor; 64 (a subnet, which one
     * host can fill with addresses) by default. ntfy's key.
     * @defaultValue 64
     */
    visitorPrefixBitsIpv6: integer(64, 'IPv6 prefix length that makes one visitor (64: each /64 subnet)', { minimum: 1, maximum: 128 }),
    /**
     * Messages a visitor may publish per UTC day. Zero derives the limit from the request
     * bucket: 86400 / replenish seconds, i.e. 17280 with the defaults.
     * @defaultValue 0
     */
    visitorMessageDailyLimit: integer(0, 'messages per visitor per UTC day; 0 derives it from the request limit'),
    /**
     * Size of each visitor's e-mail token bucket.
     * @defaultValue 16
     */
    visitorEmailLimitBurst: integer(16, 'e-mail bucket size per visitor'),
    /**
     * One e-mail token is returned to the bucket per this interval. Milliseconds.
     * @defaultValue 1h
     */
    visitorEmailLimitReplenish: duration(HOUR, 'one e-mail token refilled per this interval', { positive: true }),
    /**
     * Failed logins a visitor may make in a burst before credentialed requests get 429 42909.
     * @defaultValue `30`
     */
    visitorAuthFailureLimitBurst: integer(30, 'failed-credential bucket size per visitor'),
    /**
     * One failed-login token refilled per this interval.
     * @defaultValue `1m`
     */
    visitorAuthFailureLimitReplenish: duration(MINUTE, 'one failed-credential token refilled per this interval', { positive: true }),
    /**
     * Most bytes of attachments one visitor may have stored. Bytes.
     * @defaultValue 100M
     */
    visitorAttachmentTotalSizeLimit: size(100 * MIB, 'stored attachment bytes per visitor'),
    /**
     * Attachment bytes one visitor may upload and download per day; over it gives 429 42905. Bytes.
     * @defaultValue 500M
     */
    visitorAttachmentDailyBandwidthLimit: size(500 * MIB, 'attachment traffic per visitor per day'),
    /**
     * Lets subscribers (mainly UnifiedPush distributors) have messages counted against their own
     * limits through `Rate-Topics`; UnifiedPush topics then answer 507 until such a subscriber exists.
     * @defaultValue false
     */
    visitorSubscriberRateLimiting: flag(false, 'count messages against the subscriber that asked for it (UnifiedPush)'),
    /**
     * Take the visitor's address from {@link proxyForwardedHeader} instead of the socket. Without
     * it behind a proxy, every visitor shares the proxy's limits.
     * @defaultValue false
     */
    behindProxy: flag(false, 'take the client address from the forwarded header'),
    /**
     * Header holding the client address chain when {@link behindProxy} is on.
     * @defaultValue `'X-Forwarded-For'`
     */
    proxyForwardedHeader: text('X-Forwarded-For', 'header holding the client address when behind a proxy', { minLength: 1 }),
    /**
     * Proxy addresses or CIDR ranges to skip when picking the rightmost untrusted address from
     * the forwarded header. ntfy calls this `proxy-trusted-addresses`; both names are read.
     * @defaultValue `[]`
     */
    proxyTrustedHosts: list([], 'proxy addresses skipped in the forwarded header'),
    /**
     * Serve Prometheus metrics at `/metrics` on the main listener. Off by default, as in ntfy:
     * the metrics name routes, apps and queue partitions, which is not for the public.
     * @defaultValue false
     */
    enableMetrics: flag(false, 'serve Prometheus metrics at /metrics'),
    /**
     * A separate listener, as `[host]:port` (e.g. `127.0.0.1:9090`), that serves only `/metrics`.
     * Setting it turns metrics on, and they are then served there only, not on the main listener.
     * @defaultValue `''`
     */
    metricsListenHttp: text('', 'listen address ([host]:port) of a listener that serves only /metrics; empty: none'),
    /**
     * Path the web app is served under, e.g. `/` or `/app`; `disable` turns it off. ntfy's old
     * spellings are read too: `app` means `/`, `home` means `/app`, and an empty value means `disable`.
     * @defaultValue `'/'`
     */
    webRoot: text('/', "web app path, e.g. / or /app; 'disable' turns it off"),
    /**
     * Names that cannot be used as topics because routes use them. As in ntfy, names configured
     * here are added to the defaults rather than replacing them, since those routes always exist.
     * `admin` is Herald's own: the admin console lives there.
     * @defaultValue `['docs','static','file','app','metrics','account','settings','signup','login','v1','admin']`
     */
    disallowedTopics: list(
      ['docs', 'static', 'file', 'app', 'metrics', 'account', 'settings', 'signup', 'login', 'v1', 'admin'],
      'reserved topic names, added to the built-in ones',
      { itemPattern: TOPIC_NAME },
    ),
    /**
     * Folder of named templates for `X-Template: <name>`: `<name>.yml` files whose `title`,
     * `message` and `priority` are Go templates rendered against a JSON body. A file named like a
     * built-in template (`github`, `grafana`, `alertmanager`) replaces it. Empty looks in
     * `/etc/herald/templates`, then in ntfy's default `/etc/ntfy/templates`.
     * @defaultValue `''`
     */
    templateDir: text('', 'folder of <name>.yml templates for X-Template: <name>; empty: /etc/herald/templates, then /etc/ntfy/templates'),
    /**
     * Value of `Access-Control-Allow-Origin` on every answer.
     * @defaultValue `'*'`
     */
    accessControlAllowOrigin: text('*', 'Access-Control-Allow-Origin header value'),
    /**
     * Least severe log level written. ntfy's `warning` is read as `warn`.
     * @defaultValue `'info'`
     */
    logLevel: oneOf(
      [Type.Literal('trace'), Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')],
      'least severe log level written',
      { default: 'info', aliases: { warning: 'warn' } },
    ),
    /**
     * `json` writes one pino JSON object per line; `text` is for people reading a terminal.
     * @defaultValue `'json'`
     */
    logFormat: oneOf([Type.Literal('json'), Type.Literal('text')], 'log line format'),
    /**
     * Per-field exceptions to `log-level` (ntfy's key): `field=value -> level` holds lines whose
     * field has that value to `level`, `field -> level` lines that have the field at all; the first
     * entry that matches wins. Fields are Herald's own (`topic`, `provider`, `reqId`, …: run at
     * `trace` once to see them), not ntfy's.
     * @defaultValue `[]`
     */
    logLevelOverrides: list([], 'per-field log levels: "field=value -> level" or "field -> level"; first match wins'),
    /**
     * Writes the log to this file (appended; its directory is created) instead of stdout
     * (`json`) or stderr (`text`). Empty: no file. ntfy's key.
     * @defaultValue `''`
     */
    logFile: text('', 'write the log to this file instead of stdout/stderr'),
    /**
     * Bytes allowed to queue on one subscriber's stream before that subscriber is dropped, so a
     * slow reader cannot make the server buffer without bound. Bytes.
     * @defaultValue 1M
     */
    subscriberBufferLimit: size(MIB, 'bytes queued on one stream before the subscriber is dropped'),
    /**
     * How long a graceful shutdown waits for in-flight work before closing anyway. Milliseconds.
     * @defaultValue 10s
     */
    shutdownTimeout: duration(10 * SECOND, 'how long shutdown waits for in-flight work'),
    /**
     * SMTP server (`host:port`) used to send `X-Email` notifications. Empty disables e-mail.
     * @defaultValue `''`
     */
    smtpSenderAddr: text('', 'SMTP server host:port for outgoing e-mail; empty disables it'),
    /**
     * User name for SMTP AUTH on `smtp-sender-addr` (ntfy's name). Empty: no authentication.
     * @defaultValue `''`
     */
    smtpSenderUser: text('', 'SMTP AUTH user name; empty sends without authentication'),
    /**
     * Password for SMTP AUTH (ntfy's name). Never logged.
     * @defaultValue `''`
     */
    smtpSenderPass: text('', 'SMTP AUTH password'),
    /**
     * The From address of e-mail, e.g. `Herald <noreply@example.org>` (ntfy's name). Needed when
     * `smtp-sender-addr` is set.
     * @defaultValue `''`
     */
    smtpSenderFrom: text('', 'From address of outgoing e-mail, e.g. Herald <noreply@example.org>'),
    /**
     * How the SMTP connection is protected: `starttls` insists on STARTTLS (port 587),
     * `implicit` speaks TLS from the first byte (port 465), `opportunistic` uses STARTTLS when
     * the relay offers it, `none` never does (a relay on localhost).
     * @defaultValue `'opportunistic'`
     */
    smtpSenderTls: oneOf(
      [Type.Literal('opportunistic'), Type.Literal('starttls'), Type.Literal('implicit'), Type.Literal('none')],
      'SMTP transport security: opportunistic, starttls, implicit or none',
    ),
    /**
     * Extra CA certificate (PEM file) trusted for the SMTP relay, e.g. a private relay's.
     * @defaultValue `''`
     */
    smtpSenderCaFile: text('', 'PEM file of an extra CA trusted for the SMTP relay'),
    /**
     * Connections kept open to the SMTP relay.
     * @defaultValue `5`
     */
    smtpSenderPool: integer(5, 'pooled connections to the SMTP relay', { minimum: 1 }),
    /**
     * Twilio account SID (`AC…`) for the SMS channel and, with `twilio-verify-service`, phone
     * calls (ntfy's name). Empty disables both.
     * @defaultValue `''`
     */
    twilioAccount: text('', 'Twilio account SID; empty disables SMS and phone calls'),
    /**
     * Twilio auth token: signs requests and verifies status callbacks (ntfy's name). Never logged.
     * @defaultValue `''`
     */
    twilioAuthToken: text('', 'Twilio auth token'),
    /**
     * The sending number, E.164 (ntfy's name), or leave empty and set `twilio-messaging-service`.
     * @defaultValue `''`
     */
    twilioPhoneNumber: text('', 'sending phone number (E.164)'),
    /**
     * A Twilio Messaging Service SID (`MG…`) to send from instead of one number.
     * @defaultValue `''`
     */
    twilioMessagingService: text('', 'Messaging Service SID to send from instead of twilio-phone-number'),
    /**
     * Base URL of the Twilio-compatible Messages API (SMS) and Calls API (`X-Call`).
     * @defaultValue `'https://api.twilio.com'`
     */
    twilioBaseUrl: text('https://api.twilio.com', 'base URL of the Twilio-compatible Messages and Calls API'),
    /**
     * Extra CA certificate (PEM file) trusted for `twilio-base-url`.
     * @defaultValue `''`
     */
    twilioCaFile: text('', 'PEM file of an extra CA trusted for the SMS gateway'),
    /**
     * Secrets (`whsec_` + base64, Standard Webhooks) that sign webhook-channel requests; every
     * listed secret signs, so a receiver can move to a new one. Empty disables the webhook channel.
     * @defaultValue `[]`
     */
    webhookSecrets: list([], 'whsec_ secrets that sign webhook-channel requests; empty disables the channel'),
    /**
     * Extra CA certificate (PEM file) trusted for webhook endpoints, e.g. internal receivers behind
     * a private CA. The well-known roots stay trusted.
     * @defaultValue `''`
     */
    webhookCaFile: text('', 'PEM file of an extra CA trusted for webhook endpoints'),
    /**
     * With `strategy: fallback`, how long a sent push or SMS may go unconfirmed (no delivery
     * receipt) before the next channel is tried.
     * @defaultValue `10m`
     */
    notifyFallbackTimeout: duration(10 * MINUTE, 'fallback: time to wait for a delivery receipt before the next channel', { positive: true }),
    /**
     * Attempts per channel delivery (e-mail, SMS, webhook) before it counts as failed.
     * @defaultValue `6`
     */
    notifyMaxAttempts: integer(6, 'attempts per notify channel delivery before it fails', { minimum: 1 }),
    /**
     * Server that receives `poll_request` messages so iOS clients get woken up, normally
     * `https://ntfy.sh`: every message published here also publishes a poll request there, on
     * the topic named by the SHA-256 of `<base-url>/<topic>`. Needs `base-url`. Empty disables
     * forwarding.
     * @defaultValue `''`
     */
    upstreamBaseUrl: text('', 'upstream server for iOS poll requests, e.g. https://ntfy.sh'),
    /**
     * Access token sent as `Authorization: Bearer` with poll requests to `upstream-base-url`
     * (for an upstream server that requires login).
     * @defaultValue `''`
     */
    upstreamAccessToken: text('', 'token for upstream-base-url, sent as a Bearer header'),
    /**
     * Address the built-in SMTP server listens on for publishing by e-mail, e.g. `:25`.
     * Empty disables it. Needs `smtp-server-domain`.
     * @defaultValue `''`
     */
    smtpServerListen: text('', 'listen address of the SMTP server for publishing by e-mail, e.g. :25'),
    /**
     * Domain the SMTP server accepts mail for: `mytopic@<domain>` publishes to `mytopic`.
     * @defaultValue `''`
     */
    smtpServerDomain: text('', 'domain the SMTP server accepts mail for'),
    /**
     * Prefix of accepted addresses, e.g. `ntfy-`: `ntfy-mytopic@<domain>` publishes to `mytopic`,
     * and other addresses are refused. An access token may follow the topic after a `+`
     * (`ntfy-mytopic+tk_…@<domain>`); SMTP AUTH PLAIN/LOGIN gives a user name and password.
     * @defaultValue `''`
     */
    smtpServerAddrPrefix: text('', 'prefix of accepted addresses, e.g. ntfy-'),
    /**
     * Twilio Verify service SID used to verify phone numbers before calls (`/v1/account/phone`).
     * Empty disables phone verification, and so calls.
     * @defaultValue `''`
     */
    twilioVerifyService: text('', 'Twilio Verify service SID for phone number verification'),
    /**
     * @defaultValue `'https://verify.twilio.com'`
     */
    twilioVerifyBaseUrl: text('https://verify.twilio.com', 'base URL of the Twilio-compatible Verify API'),
    /**
     * TwiML spoken on `X-Call`, a Go template with `{{.Topic}}`, `{{.Title}}`, `{{.Message}}`,
     * `{{.Priority}}`, `{{.Tags}}` and `{{.Sender}}` (text fields XML-escaped). Empty uses the
     * built-in text. Checked at start.
     * @defaultValue `''`
     */
    twilioCallFormat: text('', 'TwiML template for phone calls; empty uses the built-in one'),
    /**
     * SQLite file with users, tokens and access rules. Empty turns access control off: everyone
     * may read and write every topic.
     * @defaultValue `''`
     */
    authFile: text('', 'user and access database; empty turns access control off'),
    /**
     * Access for topics no rule matches. ntfy's short spellings (`rw`, `ro`, `read`, `wo`,
     * `write`, `deny`, `none`) are read too.
     * @defaultValue `'read-write'`
     */
    /**
     * Lets anyone create an account with `POST /v1/account` (needs `auth-file`).
     * @defaultValue `false`
     */
    enableSignup: flag(false, 'allow sign-up through POST /v1/account'),
    /**
     * Shows the login page in the web app (`config.js`); the account API itself works either way.
     * @defaultValue `false`
     */
    enableLogin: flag(false, 'show login in the web app'),
    /**
     * Lets users with a tier reserve topics (`POST /v1/account/reservation`).
     * @defaultValue `false`
     */
    enableReservations: flag(false, 'allow users with a tier to reserve topics'),
    /**
     * Makes the web app ask for a login before anything else.
     * @defaultValue `false`
     */
    requireLogin: flag(false, 'web app requires login before use'),
    /**
     * Users created or updated at start, ntfy's `name:bcrypt-hash:role` (role `user` or `admin`).
     * Users defined here cannot be changed or deleted through the API or the CLI.
     * @defaultValue `[]`
     */
    authUsers: list([], 'users applied at start: name:bcrypt-hash:role'),
    /**
     * Access rules applied at start, ntfy's `name:topic-pattern:permission` (`*` for everyone).
     * @defaultValue `[]`
     */
    authAccess: list([], 'access rules applied at start: name:topic-pattern:permission'),
    /**
     * Access tokens applied at start, ntfy's `name:tk_token[:label]`.
     * @defaultValue `[]`
     */
    authTokens: list([], 'tokens applied at start: name:token[:label]'),
    /**
     * bcrypt cost of new password hashes.
     * @defaultValue `10`
     */
    authBcryptCost: integer(10, 'bcrypt cost of new password hashes', { minimum: 4 }),
    authDefaultAccess: oneOf(
      [Type.Literal('read-write'), Type.Literal('read-only'), Type.Literal('write-only'), Type.Literal('deny-all')],
      'access for topics no rule matches',
      {
        aliases: { rw: 'read-write', ro: 'read-only', read: 'read-only', wo: 'write-only', write: 'write-only', deny: 'deny-all', none: 'deny-all' },
      },
    ),
  },
  { additionalProperties: false },
);

type DeepReadonly<T> = T extends readonly (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The configuration as loaded: durations in milliseconds, sizes in bytes, frozen. */
export type Config = DeepReadonly<Static<typeof ConfigSchema>>;

/** A configuration key, in its camelCase form. */
export type ConfigKeyName = keyof Config;

/** Every default, straight from the schema. Frozen. */
export const DEFAULT_CONFIG: Config = deepFreeze(Create(ConfigSchema));
