import { HeraldError, isHeraldError } from '../../errors/index.js';
import type { Clock } from '../../ports/clock.js';
import type { AudienceFilter, DeviceStore, Provider } from '../../ports/device-store.js';
import type { Logger } from '../../ports/logger.js';
import type { PortableNotification, ProviderOverrides, ProviderRequestPreview, PushContent, PushLimits, PushPersonalization, PushPriority } from '../../ports/push-sender.js';
import type { DeliveryRecord, DeliveryState, PushAudience, PushIdScope, PushRecord, PushStats, PushStore } from '../../ports/push-store.js';
import type { Lane, NewJob, Queue } from '../../ports/queue.js';
import { randomId } from '../../util/ids.js';
import { validateDeviceToken, type TokenRules } from '../devices/validate-token.js';
import { parseDeliveryId, deliveryId } from './targets.js';
import { providerTopics } from './provider-topics.js';
import { parsePartition, partitionOf, ROUTE_PARTITION, routeKey, sendKeyPrefix, CHUNK_SIZE, type PushJob } from './jobs.js';
import { compilePersonalization, normalizePersonalization, sampleRendering } from './personalize.js';
import type { PushPipeline } from './push-pipeline.js';
import type { SenderRegistry } from './senders.js';

/** A push as the API hands it over, already checked against the request schema. */
export interface PushRequest {
  id?: string;
  /** The id the app reports delivery and interaction under, when not the push id (Centrifugo's analytics_uid). */
  analyticsId?: string;
  to: {
    devices?: string[];
    users?: string[];
    topics?: string[];
    /** The devices matching every field given (each by any of its values); `{}` is every active device. */
    filter?: AudienceFilter;
    /** `token` is a string, or a Web Push subscription `{endpoint, keys}`. */
    tokens?: { provider: Provider; app?: string; token: unknown }[];
    /** FCM or HMS topics and conditions, each sent as one message the provider fans out. */
    providerTopics?: { provider: 'fcm' | 'hms'; app?: string; kind: 'topic' | 'condition'; value: string }[];
  };
  notification: PortableNotification;
  overrides: ProviderOverrides;
  priority: PushPriority;
  collapseKey?: string;
  /** Unix ms. */
  sendAt?: number;
  expiresAt?: number;
  /** The notification category, if the sender gave one (checked against its key's categories by the route). */
  category?: string;
  /** Time window and rate limits per registry device (checked by the route; see delivery-gates.ts). */
  limits?: PushLimits;
  /** Payload strings are templates rendered per device (Centrifugo's use_templating). */
  personalize?: PushPersonalization;
}

/**
 * Who asks about a push by id. Ids are the senders' own, so a sender's own push of that id comes
 * first; otherwise the newest push of that id in `categories` (every push when undefined).
 */
export interface PushViewer {
  actor: string;
  categories?: readonly string[];
}

export interface PushServiceOptions {
  /** A re-sent id within this window returns the first push. */
  idempotencyMs: number;
  /** Queue lag above which non-high pushes are refused with 503; 0 disables. */
  lagLimitMs: number;
  /** Furthest a push may be scheduled ahead. */
  maxScheduleMs: number;
  tokenRules?: TokenRules;
}

export interface PushServiceDeps {
  store: PushStore;
  devices: DeviceStore;
  queue: Queue<PushJob>;
  senders: SenderRegistry;
  pipeline: PushPipeline;
  clock: Clock;
  logger: Logger;
  options: PushServiceOptions;
  /** Told of each status report the app made, once recorded (event webhooks). Never rejects. */
  statusReported?(push: PushRecord, deviceId: string, status: 'delivered' | 'interacted', now: number): Promise<void>;
}

export interface SendResult {
  id: string;
  /**
   * For a new push: `queued` when every delivery exists and waits for its provider (`targets` is
   * exact); `routing` when the audience is resolved after the answer (`targets` is 0 and grows,
   * see GET); `scheduled` when routing waits for `send_at`. For a repeated id: where the first
   * push stands now.
   */
  state: PushState;
  targets: number;
  /** False when this sender sent the id before (inside the window) and this call changed nothing. */
  created: boolean;
}

export type PushState = 'scheduled' | 'queued' | 'routing' | 'sending' | 'done' | 'cancelled';

export interface PushView {
  id: string;
  state: PushState;
  createdAt: number;
  sendAt: number | null;
  expiresAt: number | null;
  targets: number;
  counts: Record<DeliveryState, number>;
  byProvider: Partial<Record<Provider, Record<DeliveryState, number>>>;
}

/** A push in the list of pushes: where it stands, who sent it and what it says. */
export interface PushSummary extends PushView {
  actor: string;
  category: string | null;
  title?: string;
  body?: string;
}

/** What one provider would receive for a push (POST /v1/push/preview). */
export type ProviderPreview =
  | { provider: Provider; app: string; configured: true; bytes: number; request: ProviderRequestPreview }
  /** The push could not be sent to this provider: the same refusal a send would answer with. */
  | { provider: Provider; app: string; configured: true; error: { code: number; message: string } }
  | { provider: Provider; configured: false };

/** The providers a preview covers, in the order it lists them. */
const PREVIEW_PROVIDERS: readonly Provider[] = ['apns', 'fcm', 'hms', 'webpush'];
/** Stands in for a device's token in a preview's request bodies. */
export const PREVIEW_TOKEN = '<device token>';

/** Raw tokens and explicit devices up to this many are routed before the 202, so `targets` is exact. */
const INLINE_ROUTE_MAX = 1000;

/**
 * The push API's domain: accepting pushes (idempotent, validated, scheduled), their status and
 * deliveries, cancelling, device feedback, stats and the dead letters. Delivery itself is the
 * pipeline's business; this only stores and enqueues.
 */
export class PushService {
  readonly #d: PushServiceDeps;

  constructor(deps: PushServiceDeps) {
    this.#d = deps;
  }

  async send(request: PushRequest, actor: string): Promise<SendResult> {
    const d = this.#d;
    const now = d.clock.now();
    const id = request.id ?? `psh_${randomId(16)}`;
    // Scoped to the sender, as notify's idempotency keys are: another sender's push of the same id
    // must not turn this one into a no-op.
    const earlier = await d.store.recent(id, actor, now - d.options.idempotencyMs);
    if (earlier) {
      // A crash between storing and enqueuing left it unrouted; the client's retry finishes the job.
      if (earlier.phase === 'accepted' || earlier.phase === 'routing') await this.#enqueueRoute(earlier, earlier.sendAt ?? now);
      const counts = await d.store.counts(earlier.seq);
      return { id, state: stateOf(earlier, counts.total, now), targets: earlier.targets, created: false };
    }

    const audience = this.#audience(request);
    const sendAt = request.sendAt !== undefined && request.sendAt > now ? request.sendAt : null;
    if (sendAt !== null && sendAt - now > d.options.maxScheduleMs) throw new HeraldError('pushInvalid', { detail: 'send_at is too far in the future' });
    const expiresAt = request.expiresAt ?? null;
    if (expiresAt !== null && expiresAt <= (sendAt ?? now)) throw new HeraldError('pushInvalid', { detail: 'expires_at must be in the future and after send_at' });
    const { content, encoded } = contentOf(request, id, expiresAt);
    this.#checkEncodable(encoded, audience);

    const lane = laneOf(request.priority, audience);
    this.#shed(lane);
    const push = await d.store.create({ id, createdAt: now, sendAt, expiresAt, content, audience, lane, actor,
      ...(request.category !== undefined ? { category: request.category } : {}),
      ...(request.analyticsId !== undefined && request.analyticsId !== id ? { analyticsId: request.analyticsId } : {}),
    });
    const inline = sendAt === null && !audience.topics?.length && (audience.devices?.length ?? 0) + (audience.tokens?.length ?? 0) + (audience.providerTopics?.length ?? 0) <= INLINE_ROUTE_MAX && (audience.users?.length ?? 0) <= 100
      && (!audience.filter || narrowFilter(audience.filter, 100));
    if (!inline) {
      await this.#enqueueRoute(push, sendAt ?? now);
      // Its route job is enqueued and woken: the audience is being resolved, and targets grows.
      return { id, state: sendAt !== null ? 'scheduled' : 'routing', targets: 0, created: true };
    }
    // Routed here, before the 202, so `targets` is exact. No route job is needed as a safety net:
    // a process that dies mid-route leaves the push unrouted, and start-up routes every such push.
    await d.pipeline.router.route(push.seq, () => d.clock.now(), undefined, push);
    // Every delivery is counted in exactly one state: together they are the targets routed.
    const { total } = await d.store.counts(push.seq);
    const targets = Object.values(total).reduce((sum, n) => sum + n, 0);
    return { id, state: 'queued', targets, created: true };
  }

  /**
   * Sends a topic-face message to the devices subscribed to its topic. Only stored when some device
   * could be reached, so topics nobody follows on a phone cost nothing.
   */
  async sendToTopic(topic: string, id: string, contentOf: () => Omit<PushContent, 'id'> | undefined, actor: string): Promise<void> {
    const d = this.#d;
    // The content is built only for a topic someone listens on: most publishes reach no device.
    if (d.senders.all().length === 0 || !(await d.devices.hasTopic(topic))) return;
    const content = contentOf();
    if (!content) return;
    const now = d.clock.now();
    const audience: PushAudience = { topics: [topic] };
    const full: PushContent = { id, ...content };
    const lane = laneOf(content.priority, audience);
    const push = await d.store.create({ id, createdAt: now, sendAt: null, expiresAt: content.expiresAt ?? null, content: full, audience, lane, actor });
    await this.#enqueueRoute(push, now);
  }

  /**
   * What each provider would receive for this push, computed by the providers' own encoders and
   * nothing sent or stored: for each of APNs, FCM, HMS and Web Push, the request of its `app`
   * (`default`, else the first configured), or why that provider would refuse the push, or that
   * none is configured. A templated push shows how a device without locale or meta would get it.
   * Refusals that are no provider's (no content, a bad template or time) throw, as send does.
   */
  preview(request: Omit<PushRequest, 'to'>, app?: string): ProviderPreview[] {
    const d = this.#d;
    const now = d.clock.now();
    const expiresAt = request.expiresAt ?? null;
    const sendAt = request.sendAt !== undefined && request.sendAt > now ? request.sendAt : null;
    if (expiresAt !== null && expiresAt <= (sendAt ?? now)) throw new HeraldError('pushInvalid', { detail: 'expires_at must be in the future and after send_at' });
    const { encoded } = contentOf(request, request.id ?? 'preview', expiresAt);
    return PREVIEW_PROVIDERS.map((provider): ProviderPreview => {
      const all = d.senders.all().filter((s) => s.provider === provider);
      const sender = all.find((s) => s.app === (app ?? 'default')) ?? (app === undefined ? all[0] : undefined);
      if (!sender) return { provider, configured: false };
      try {
        const push = sender.encode(encoded);
        if (!sender.preview) return { provider, app: sender.app, configured: true, error: { code: 0, message: `${provider}: this sender cannot show its requests` } };
        return { provider, app: sender.app, configured: true, bytes: push.bytes, request: sender.preview(push, PREVIEW_TOKEN, now) };
      } catch (err) {
        if (!isHeraldError(err)) throw err;
        return { provider, app: sender.app, configured: true, error: { code: err.code, message: err.message } };
      }
    });
  }

  /** Pushes newest first, a page at a time; a viewer limited to categories sees only pushes in them. */
  async list(query: { cursor?: string; limit: number }, viewer?: PushViewer): Promise<{ pushes: PushSummary[]; nextCursor?: string }> {
    const d = this.#d;
    let beforeSeq: number | undefined;
    if (query.cursor !== undefined) {
      beforeSeq = /^p[0-9]{1,15}$/.test(query.cursor) ? Number(query.cursor.slice(1)) : NaN;
      if (!Number.isSafeInteger(beforeSeq)) throw new HeraldError('badRequest', { detail: 'cursor is not one this list gave' });
    }
    const rows = await d.store.list({ ...(beforeSeq !== undefined ? { beforeSeq } : {}), ...(viewer?.categories ? { categories: viewer.categories } : {}), limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    const now = d.clock.now();
    const pushes: PushSummary[] = [];
    for (const push of page) {
      const counts = await d.store.counts(push.seq);
      const byProvider: PushView['byProvider'] = {};
      for (const [provider, c] of Object.entries(counts.byProvider)) byProvider[provider as Provider] = cumulative(c ?? {});
      const n = push.content.notification;
      pushes.push({
        id: push.id, state: stateOf(push, counts.total, now), createdAt: push.createdAt, sendAt: push.sendAt, expiresAt: push.expiresAt,
        targets: push.targets, counts: cumulative(counts.total), byProvider, actor: push.actor, category: push.category,
        ...(n.title !== undefined ? { title: n.title } : {}), ...(n.body !== undefined ? { body: n.body } : {}),
      });
    }
    return rows.length > query.limit ? { pushes, nextCursor: `p${page[page.length - 1]!.seq}` } : { pushes };
  }

  async view(id: string, viewer?: PushViewer): Promise<PushView> {
    const push = await this.#find(id, viewer);
    const counts = await this.#d.store.counts(push.seq);
    const now = this.#d.clock.now();
    const total = cumulative(counts.total);
    const byProvider: PushView['byProvider'] = {};
    for (const [provider, c] of Object.entries(counts.byProvider)) byProvider[provider as Provider] = cumulative(c ?? {});
    return {
      id: push.id, state: stateOf(push, counts.total, now), createdAt: push.createdAt, sendAt: push.sendAt, expiresAt: push.expiresAt,
      targets: push.targets, counts: total, byProvider,
    };
  }

  async deliveries(id: string, query: { state?: DeliveryState; cursor?: string; limit: number }, viewer?: PushViewer): Promise<{ deliveries: (DeliveryRecord & { id: string })[]; nextCursor?: string }> {
    const push = await this.#find(id, viewer);
    const after = query.cursor === undefined ? undefined : parseDeliveryId(query.cursor);
    if (query.cursor !== undefined && (!after || after.pushSeq !== push.seq)) throw new HeraldError('badRequest', { detail: 'cursor is not from this push' });
    const rows = await this.#d.store.deliveries({ pushSeq: push.seq, ...(query.state ? { state: query.state } : {}), ...(after ? { after: after.target } : {}), limit: query.limit + 1 });
    const page = rows.slice(0, query.limit).map((r) => ({ ...r, id: deliveryId(r.pushSeq, r.target) }));
    return rows.length > query.limit ? { deliveries: page, nextCursor: page[page.length - 1]!.id } : { deliveries: page };
  }

  /** Cancels everything not yet sent: scheduled routing, queued and retrying deliveries. */
  async cancel(id: string, viewer?: PushViewer): Promise<number> {
    const d = this.#d;
    const push = await this.#find(id, viewer);
    const now = d.clock.now();
    const cancelled = await d.store.cancel(push.seq, now);
    await d.pipeline.forget(push.seq);
    // Waiting jobs would only find cancelled deliveries; removing them keeps the queue honest.
    await d.queue.cancel({ dedupKeyPrefix: sendKeyPrefix(push.seq) });
    await d.queue.cancel({ dedupKeyPrefix: routeKey(push.seq) });
    return cancelled;
  }

  async reportStatus(id: string, deviceId: string, status: 'delivered' | 'interacted', user?: string, viewer?: PushViewer): Promise<void> {
    const d = this.#d;
    const push = await this.#find(id, viewer);
    if (user !== undefined) {
      const device = await d.devices.byId(deviceId);
      if (!device || device.user !== user) throw new HeraldError('forbidden', { detail: 'the device does not belong to this subscriber' });
    }
    const now = d.clock.now();
    if (!(await d.store.reportStatus(push.seq, deviceId, status, now))) {
      throw new HeraldError('badRequest', { detail: 'no sent delivery of this push to that device' });
    }
    await d.statusReported?.(push, deviceId, status, now);
  }

  /**
   * A report under an analytics id (Centrifugo's update_push_status): the newest push sent with
   * that analytics id, else the push with that id (whose analytics id is its own), the viewer's own
   * pushes before others'. The report then counts exactly as one through POST /v1/push/{id}/status.
   */
  async reportAnalyticsStatus(analyticsId: string, deviceId: string, status: 'delivered' | 'interacted', viewer?: PushViewer): Promise<void> {
    const d = this.#d;
    const categories = viewer?.categories ? { categories: viewer.categories } : {};
    const scopes: (PushIdScope | undefined)[] = viewer ? [{ actor: viewer.actor, ...categories }, categories] : [undefined];
    let push: PushRecord | undefined;
    for (const scope of scopes) {
      push = (await d.store.byAnalyticsId(analyticsId, scope)) ?? (await d.store.byId(analyticsId, scope));
      if (push) break;
    }
    if (!push) throw new HeraldError('pushNotFound');
    const now = d.clock.now();
    if (!(await d.store.reportStatus(push.seq, deviceId, status, now))) {
      throw new HeraldError('badRequest', { detail: 'no sent delivery of this push to that device' });
    }
    await d.statusReported?.(push, deviceId, status, now);
  }

  stats(query: { since: number; until: number; app?: string }): Promise<PushStats> {
    return this.#d.store.stats(query);
  }

  async deadLetters(query: { provider?: Provider; app?: string; cursor?: string; limit: number }) {
    const page = await this.#d.store.deadDeliveries(query);
    return { ...page, deliveries: page.deliveries.map((r) => ({ ...r, id: deliveryId(r.pushSeq, r.target) })) };
  }

  /**
   * Puts dead deliveries back in the queue, and with a provider or app filter also the queue's own
   * dead jobs (jobs whose handling kept failing). Replay jobs are enqueued before the deliveries are
   * revived: a crash in between leaves jobs that may still claim the dead rows.
   */
  async replay(target: { ids: readonly string[] } | { provider?: Provider; app?: string; limit: number }): Promise<number> {
    const d = this.#d;
    const dead = 'ids' in target
      ? await d.store.findDead({ keys: target.ids.map(parseDeliveryId).filter((k) => k !== undefined) })
      : await d.store.findDead(target);
    const now = d.clock.now();
    const groups = new Map<string, { seq: number; partition: string; lane: Lane; targets: string[] }>();
    for (const r of dead) {
      const push = await d.pipeline.push(r.pushSeq);
      const partition = partitionOf(r.app, r.provider);
      const key = `${r.pushSeq} ${partition}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { seq: r.pushSeq, partition, lane: push?.lane ?? 'normal', targets: [] }));
      g.targets.push(r.target);
    }
    const jobs: NewJob<PushJob>[] = [];
    for (const g of groups.values()) {
      for (let i = 0; i < g.targets.length; i += CHUNK_SIZE) {
        const targets = g.targets.slice(i, i + CHUNK_SIZE);
        jobs.push({ partition: g.partition, lane: g.lane, payload: { kind: 'send', seq: g.seq, targets, replay: true }, dedupKey: `${sendKeyPrefix(g.seq)}${g.partition}:${targets[0]}:replay${now}` });
      }
    }
    if (jobs.length > 0) await d.queue.enqueue(jobs);
    let replayed = await d.store.revive(dead.map((r) => ({ pushSeq: r.pushSeq, target: r.target })), now);
    if (!('ids' in target)) {
      const partitions = (await d.queue.partitions()).map((p) => p.partition).concat(d.senders.all().map((s) => partitionOf(s.app, s.provider)));
      for (const partition of new Set(partitions)) {
        const p = parsePartition(partition);
        if (!p || (target.provider && p.provider !== target.provider) || (target.app && p.app !== target.app)) continue;
        replayed += await d.queue.replay({ partition, limit: target.limit });
      }
    }
    d.pipeline.wake(new Set([...groups.values()].map((g) => g.partition)));
    return replayed;
  }

  #shed(lane: Lane): void {
    const { lagLimitMs } = this.#d.options;
    if (lane === 'high' || lagLimitMs <= 0) return;
    const lag = this.#d.pipeline.sample.lagMs;
    if (lag > lagLimitMs) throw new HeraldError('overloaded', { details: { retryAfterMs: Math.min(60_000, Math.max(1000, lag - lagLimitMs)) } });
  }

  /** Refuses what no provider could ever send, naming the provider: oversized or malformed payloads. */
  #checkEncodable(content: PushContent, audience: PushAudience): void {
    const { senders } = this.#d;
    // Only raw tokens say which apps they reach up front; anything resolved from the registry may reach any app.
    const onlyTokens = !audience.devices?.length && !audience.users?.length && !audience.topics?.length && !audience.filter;
    const reached = onlyTokens
      ? [...(audience.tokens ?? []), ...(audience.providerTopics ?? [])].map((t) => senders.get(t.provider, t.app))
      : senders.all();
    for (const sender of new Set(reached)) {
      if (!sender) continue;
      try {
        sender.encode(content);
      } catch (err) {
        if (isHeraldError(err)) throw err;
        throw new HeraldError('pushPayloadInvalid', { detail: `${sender.provider}: ${err instanceof Error ? err.message : String(err)}` });
      }
    }
  }

  #audience(request: PushRequest): PushAudience {
    const { senders } = this.#d;
    const to = request.to;
    const audience: PushAudience = {};
    if (to.devices?.length) audience.devices = [...new Set(to.devices)];
    if (to.users?.length) audience.users = [...new Set(to.users)];
    if (to.topics?.length) audience.topics = [...new Set(to.topics)];
    if (to.filter) audience.filter = compactFilter(to.filter);
    if (to.tokens?.length) {
      audience.tokens = to.tokens.map((t) => {
        const app = t.app ?? 'default';
        if (!senders.get(t.provider, app)) throw new HeraldError('appUnknown', { detail: `${t.provider} app '${app}'` });
        const valid = validateDeviceToken(t.provider, t.token, this.#d.options.tokenRules);
        return { provider: t.provider, app, token: valid.token, ...(valid.keys ? { keys: valid.keys } : {}) };
      });
    }
    if (to.providerTopics?.length) audience.providerTopics = providerTopics(to.providerTopics, (provider, app) => senders.get(provider, app) !== undefined);
    if (Object.keys(audience).length === 0) throw new HeraldError('pushInvalid', { detail: "'to' names no devices, users, topics or tokens" });
    return audience;
  }

  async #enqueueRoute(push: PushRecord, runAt: number): Promise<void> {
    await this.#d.queue.enqueue([{ partition: ROUTE_PARTITION, lane: push.lane, runAt, dedupKey: routeKey(push.seq), payload: { kind: 'route', seq: push.seq } }]);
    this.#d.pipeline.wake([ROUTE_PARTITION]);
  }

  /** A push outside the viewer's categories is answered as not found, so its existence does not leak. */
  async #find(id: string, viewer?: PushViewer): Promise<PushRecord> {
    const { store } = this.#d;
    const categories = viewer?.categories ? { categories: viewer.categories } : {};
    const push = viewer
      ? (await store.byId(id, { actor: viewer.actor, ...categories })) ?? (await store.byId(id, categories))
      : await store.byId(id);
    if (!push) throw new HeraldError('pushNotFound');
    return push;
  }
}

/**
 * A high push travels the high lane; a broadcast to topics that is not high goes bulk, so one
 * million-device announcement never sits in front of a user's order confirmation.
 */
export function laneOf(priority: PushPriority, audience: PushAudience): Lane {
  if (priority === 'high') return 'high';
  if (priority === 'low' || audience.topics?.length || (audience.filter && !narrowFilter(audience.filter))) return 'bulk';
  return 'normal';
}

/**
 * Whether a filter is walked through listed devices or named users (at most `maxUsers` of them)
 * rather than through topics or the whole registry: a send to a few, not a broadcast.
 */
function narrowFilter(filter: AudienceFilter, maxUsers = Infinity): boolean {
  if (filter.ids?.length) return true;
  const users = filter.users ?? [];
  return users.length > 0 && users.length <= maxUsers && !users.includes(null);
}

/** The filter as stored with the push: empty lists left out (they filter nothing), no value twice. */
function compactFilter(filter: AudienceFilter): AudienceFilter {
  const out: Record<string, unknown> = {};
  for (const [field, values] of Object.entries(filter) as [keyof AudienceFilter, readonly unknown[] | undefined][]) {
    if (values?.length) out[field] = [...new Set(values)];
  }
  return out as AudienceFilter;
}

/**
 * The stored content of a push, checked as send checks it, and what is encoded to check it (a
 * templated push rendered as a device without locale or meta would get it). A bad template is
 * refused here, naming its field.
 */
function contentOf(request: Omit<PushRequest, 'to'>, id: string, expiresAt: number | null): { content: PushContent; encoded: PushContent } {
  const content: PushContent = {
    id,
    notification: request.notification,
    overrides: request.overrides,
    priority: request.priority,
    ...(request.collapseKey !== undefined ? { collapseKey: request.collapseKey } : {}),
    ...(expiresAt !== null ? { expiresAt } : {}),
    ...(request.limits !== undefined ? { limits: request.limits } : {}),
    ...(request.personalize ? { personalize: normalizePersonalization(request.personalize) } : {}),
  };
  if (!hasContent(content)) throw new HeraldError('pushInvalid', { detail: 'the push has no notification, data or provider payload' });
  const templates = content.personalize ? compilePersonalization(content, content.personalize) : undefined;
  return { content, encoded: templates ? sampleRendering(content, templates) : content };
}

function hasContent(c: PushContent): boolean {
  const n = c.notification;
  return Boolean(n.title || n.body || n.image || n.url || (n.data && Object.keys(n.data).length > 0) || n.badge !== undefined || n.sound
    || Object.values(c.overrides).some((o) => o !== undefined));
}

/** Every state with a count; `sent` includes what was later delivered or interacted with, `delivered` what was interacted with. */
function cumulative(raw: Partial<Record<DeliveryState, number>>): Record<DeliveryState, number> {
  const n = (s: DeliveryState) => raw[s] ?? 0;
  return {
    queued: n('queued'), sending: n('sending'), sent: n('sent') + n('delivered') + n('interacted'), retrying: n('retrying'),
    failed: n('failed'), invalid_token: n('invalid_token'), expired: n('expired'), cancelled: n('cancelled'), dead: n('dead'),
    dropped: n('dropped'), delivered: n('delivered') + n('interacted'), interacted: n('interacted'),
  };
}

function stateOf(push: PushRecord, raw: Partial<Record<DeliveryState, number>>, now: number): PushState {
  if (push.phase === 'cancelled') return 'cancelled';
  // Accepted and due: its route job is waiting for a router, so routing is what happens next.
  if (push.phase === 'accepted') return push.sendAt !== null && push.sendAt > now ? 'scheduled' : 'routing';
  if (push.phase === 'routing') return 'routing';
  return (raw.queued ?? 0) + (raw.sending ?? 0) + (raw.retrying ?? 0) > 0 ? 'sending' : 'done';
}
