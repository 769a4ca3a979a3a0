import { HeraldError } from '../../errors/index.js';
import type { AttachmentStore } from '../../ports/attachment-store.js';
import type { Bus } from '../../ports/bus.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { CacheQuery, MessageCache } from '../../ports/message-cache.js';
import type { Hub } from '../hub/hub.js';
import type { Visitor } from '../limits/visitor.js';
import type { Message } from '../messages/message.js';
import type { SequenceEventKind } from '../../ports/message.js';
import { MESSAGE_ID_LENGTH, randomId } from '../../util/ids.js';
import { buildMessage } from '../publish/build-message.js';
import { parseSequenceId } from '../publish/sequence-id.js';
import type { PublishInput } from '../publish/publish-input.js';
import type { PublishOptions } from '../publish/publish-options.js';
import type { TemplateFileSource } from '../../ports/template-files.js';
import type { TopicEvents } from './topic-events.js';
import type { TopicRegistry } from './topic-registry.js';

/** What the topic service needs of phone calls (see {@link TopicService.onCall}). */
export interface TopicCalls {
  /** The verified number an `X-Call` value stands for; HeraldError 40035/40034 when there is none. */
  resolve(value: string, user: { id: string; name: string } | undefined): Promise<string>;
  /** Rings `to` and reads the message out, in the background; never throws. */
  place(message: Message, to: string, sender: string): void;
}

export interface TopicServiceDeps {
  options: PublishOptions;
  cache: MessageCache;
  attachments: AttachmentStore | undefined;
  hub: Hub;
  /** Carries every message to the hub of every node (this one included) for its live subscribers. */
  bus: Bus;
  topics: TopicRegistry;
  clock: Clock;
  logger: Logger;
  events?: TopicEvents;
  /** Named templates from `template-dir` (the built-in ones need no source). */
  templates?: TemplateFileSource;
}

/** How a message was published, for what listeners do with it. */
export interface PublishedHow {
  /** `up=1` or an `aes128gcm` body: a UnifiedPush message (known at publish time only). */
  unifiedPush: boolean;
}

export type PublishedListener = (message: Message, how: PublishedHow) => Promise<void>;

/** Messages-per-second is averaged over this many of the most recent minute ticks (ntfy: ≤10). */
const RATE_WINDOW = 10;
/**
 * A topic with no live subscriber and no cached message is forgotten once unused this long: it
 * holds no state, and remembering it would only count against the topic limits.
 */
const UNHELD_TOPIC_IDLE_MS = 60_000;
/**
 * In a store other nodes share, a file no message here refers to may be another node's: an upload
 * whose cache row is still being written, or a `Cache: no` upload that node remembers. Once older
 * than the attachment expiry it has expired whoever wrote it. The margin is for clocks that
 * disagree: S3 refuses requests signed more than 15 minutes off its own clock.
 */
const SHARED_ORPHAN_MARGIN_MS = 15 * 60_000;
/** How often a shared store is swept for orphans: a node that died leaves its uncached uploads there. */
const SHARED_ORPHAN_SWEEP_MS = 3600_000;

/**
 * The topics face's domain: publishing (validate → store → fan out), cached reads, scheduled
 * delivery and expiry. It knows nothing of HTTP; the routes hand it parsed input.
 *
 * What runs where, when several nodes share the stores and the bus:
 * - The node that accepts a publish (or whose timer finds a scheduled message due) does the
 *   durable work, once for the cluster: it stores the upload and the cache row, counts the message
 *   for `/v1/stats`, hands it to {@link onPublished} (the push to devices, Web Push included, is
 *   queued there) and to {@link onEmail}.
 * - Only live delivery fans out: the message goes on the bus (`topic.message`) and every node's
 *   hub, this one's included, hands it to the json/sse/raw/ws subscribers connected to that node.
 *   Those hold no state of their own: a subscriber that misses a message (its node was cut off)
 *   finds it in the cache with `since=`.
 * With the in-process bus the hub is reached synchronously from `publish`, as before the bus.
 */
export class TopicService {
  readonly #d: TopicServiceDeps;
  #publishedSinceTick = 0;
  #rateSamples: { count: number; ms: number }[] = [];
  #lastTickMs: number;
  #unsavedCount = 0;
  /**
   * Messages with an upload that were not cached (`Cache: no`, or the cache is off): no cache row
   * remembers their file, so the service does, for the uploader's quota, downloads and expiry.
   * After a restart their files are orphans, removed by {@link removeOrphanAttachments}. With a
   * shared store this holds the other nodes' uncached uploads too, as they arrive on the bus, so
   * any node serves their downloads.
   */
  readonly #uncachedUploads = new Map<string, Message>();
  /** The tail of each visitor's queue of uploads in progress. */
  readonly #uploadQueues = new Map<string, Promise<void>>();
  readonly #onPublished: PublishedListener[] = [];
  #onEmail: ((message: Message, address: string, sender: string) => Promise<void>) | undefined;
  #calls: TopicCalls | undefined;
  /** When {@link removeOrphanAttachments} last ran (clock ms), for the periodic sweep of a shared store. */
  #lastOrphanSweepMs = -Infinity;

  constructor(deps: TopicServiceDeps) {
    this.#d = deps;
    this.#lastTickMs = deps.clock.now();
    deps.bus.subscribe('topic.message', (message) => this.#deliverLive(message));
  }

  get options(): PublishOptions {
    return this.#d.options;
  }

  /**
   * Adds a listener that runs for every message as it goes out live (at once, or when its delay
   * is up), awaited before the publish is answered: the push gateway stores the message's push to
   * devices here. Listeners run one after the other, in the order added; a failure is logged, not
   * thrown, and the next listener still runs: the message itself is already published.
   */
  onPublished(listener: PublishedListener): void {
    this.#onPublished.push(listener);
  }

  /**
   * Takes `X-Email` messages (ntfy's e-mail notifications): awaited before the publish is
   * answered, so an accepted message's mail is already queued durably. `sender` is the
   * publisher's address, for the mail's footer.
   */
  onEmail(listener: (message: Message, address: string, sender: string) => Promise<void>): void {
    this.#onEmail = listener;
  }

  /**
   * Takes `X-Call` messages: `resolve` turns the header into one of the publisher's verified
   * numbers before anything is stored (its errors refuse the publish), and `place` rings it once
   * the message went out live. Without it, `X-Call` is refused with 40032.
   */
  onCall(calls: TopicCalls): void {
    this.#calls = calls;
  }

  /** Rejects reserved topic names with 400 40010. Call after the name's syntax was checked. */
  assertAllowed(topic: string): void {
    if (this.#d.options.disallowedTopics.includes(topic)) throw new HeraldError('topicDisallowed');
  }

  /**
   * Publishes one message. Resolves once the message is durably cached (unless `Cache: no`) and
   * handed to live subscribers; a rejection means nothing was stored.
   */
  async publish(input: PublishInput, visitor: Visitor): Promise<Message> {
    const d = this.#d;
    const now = d.clock.now();
    this.assertAllowed(input.topic);
    const built = buildMessage(input, optionsFor(d.options, visitor), now, d.templates);
    d.topics.touch([input.topic], now, visitor);
    await visitor.takeMessage(now);
    if (built.email) await visitor.takeEmail(now);
    let callTo: string | undefined;
    if (built.call !== undefined) {
      if (!this.#calls) throw new HeraldError('callsDisabled');
      callTo = await this.#calls.resolve(built.call, input.user);
      await visitor.takeCall(now);
    }
    const store = async () => {
      // A scheduled message of the same sequence that is still waiting is replaced, not joined:
      // a dead-man's switch re-publishes its alarm with the same ID and the old one must not fire.
      if (built.message.sequence_id && d.options.cacheDurationMs > 0) await this.#dropWaiting(input.topic, built.message.sequence_id);
      if (built.upload) {
        await this.#storeUpload(built.message, built.upload, visitor, now);
        if (!built.cache) this.#uncachedUploads.set(built.message.id, built.message);
      }
      if (built.cache) {
        await d.cache.add(built.message, built.scheduled);
        if (built.message.expires) d.topics.holdUntil(input.topic, built.message.expires * 1000);
      }
    };
    // From its quota check until it is counted (cached, or remembered), one upload per visitor at
    // a time: parallel uploads would otherwise all pass the same check.
    await (built.upload ? this.#oneUploadAtATime(visitor.key, store) : store());
    if (!built.scheduled) {
      await this.#fanOut(built.message);
      await this.#published(built.message, { unifiedPush: built.unifiedPush });
    }
    if (built.email && this.#onEmail) await this.#onEmail(built.message, built.email, visitor.key.replace(/^(ip|user):/, ""));
    // resolve() refused anonymous publishers, so there is a user here.
    if (callTo !== undefined && input.user) this.#calls?.place(built.message, callTo, input.user.name);
    return built.message;
  }

  /**
   * Clears (`message_clear`: mark read, dismiss) or deletes (`message_delete`: remove from the
   * drawer and the client's list) the notification of a sequence ID, for every subscriber: an
   * event carrying the sequence ID is cached and fanned out like a message (ntfy 2.16), so a
   * client that polls later with `since=` sees it too. Nothing already cached is removed, except
   * that a delete also cancels the sequence's scheduled messages that have not gone out yet.
   */
  async publishSequenceEvent(topic: string, sequenceId: string, kind: SequenceEventKind, visitor: Visitor): Promise<Message> {
    const d = this.#d;
    const now = d.clock.now();
    this.assertAllowed(topic);
    const sid = parseSequenceId(sequenceId);
    d.topics.touch([topic], now, visitor);
    await visitor.takeMessage(now);
    const nowSec = Math.floor(now / 1000);
    const event: Message = { id: randomId(MESSAGE_ID_LENGTH), sequence_id: sid, time: nowSec, event: kind, topic, sender: visitor.key };
    const cacheSeconds = Math.floor(d.options.cacheDurationMs / 1000);
    if (cacheSeconds > 0) {
      if (kind === 'message_delete') await this.#dropWaiting(topic, sid);
      event.expires = nowSec + cacheSeconds;
      await d.cache.add(event, false);
      d.topics.holdUntil(topic, event.expires * 1000);
    }
    await this.#fanOut(event);
    await this.#published(event, { unifiedPush: false });
    return event;
  }

  /** Deletes the topic's waiting scheduled messages of a sequence, and the files they uploaded. */
  async #dropWaiting(topic: string, sequenceId: string): Promise<void> {
    const d = this.#d;
    const dropped = await d.cache.deleteScheduled(topic, sequenceId);
    const files = dropped.filter((m) => m.attachment?.size !== undefined).map((m) => m.id);
    if (d.attachments && files.length > 0) {
      // A file left behind is no message's any more: the orphan sweep finds it again.
      await d.attachments.remove(files).catch((err: unknown) => d.logger.error({ err, attachments: files.length }, 'replaced scheduled attachments not deleted'));
    }
    if (dropped.length > 0) d.logger.debug({ topic, replaced: dropped.length }, 'waiting scheduled messages of the sequence replaced');
  }

  /**
   * Bytes of the visitor's uploads that are stored and not expired, cached or not: what counts
   * against their attachment total (`GET /v1/account`'s stats).
   */
  async attachmentBytesUsed(visitorKey: string): Promise<number> {
    const nowSec = Math.floor(this.#d.clock.now() / 1000);
    return (await this.#d.cache.attachmentBytesBySender(visitorKey, nowSec)) + this.#uncachedBytesBy(visitorKey, nowSec);
  }

  /**
   * A message the server itself sends (an account's sync event): to the live subscribers of
   * `topic` on every node, and nowhere else. It is not cached, not pushed to devices, not counted
   * in the stats and charged to no visitor, as ntfy publishes it.
   */
  async announce(topic: string, text: string): Promise<void> {
    const message: Message = { id: randomId(MESSAGE_ID_LENGTH), time: Math.floor(this.#d.clock.now() / 1000), event: 'message', topic, message: text };
    await this.#d.bus.publish('topic.message', message);
  }

  /** Cached messages for a subscriber's `since=` (empty when the cache is off). */
  cached(query: CacheQuery): Promise<Message[]> {
    if (this.#d.options.cacheDurationMs <= 0) return Promise.resolve([]);
    return this.#d.cache.messages(query);
  }

  /** One message by id, scheduled or not, for attachment downloads: cached, or an uncached upload's until it expires. */
  async messageById(id: string): Promise<Message | undefined> {
    const cached = await this.#d.cache.messageById(id);
    if (cached) return cached;
    const uncached = this.#uncachedUploads.get(id);
    return uncached && (uncached.attachment?.expires ?? 0) >= Math.floor(this.#d.clock.now() / 1000) ? uncached : undefined;
  }

  /**
   * Deletes stored attachment files that no cached message refers to: uploads of uncached
   * messages from before a restart, and files whose deletion was cut short. Run at start, before
   * anything is published. In a shared store only files older than any attachment can live count,
   * and {@link manage} repeats the sweep now and then.
   */
  async removeOrphanAttachments(): Promise<number> {
    const d = this.#d;
    if (!d.attachments) return 0;
    const now = d.clock.now();
    this.#lastOrphanSweepMs = now;
    const stored = await d.attachments.ids(d.attachments.shared ? { storedBefore: now - d.options.attachmentExpiryMs - SHARED_ORPHAN_MARGIN_MS } : {});
    const referenced = new Set([...(await d.cache.attachmentIds()), ...this.#uncachedUploads.keys()]);
    const orphans = stored.filter((id) => !referenced.has(id));
    if (orphans.length > 0) {
      await d.attachments.remove(orphans);
      d.logger.info({ attachments: orphans.length }, 'attachment files without a cached message deleted');
    }
    return orphans.length;
  }

  /**
   * Hands scheduled messages whose time has come to live subscribers, once each, and returns how
   * many this call handed out. Every node's timer runs this on a shared cache: the cache lets one
   * caller publish each due message, and only that caller fans it out.
   */
  async deliverDue(): Promise<number> {
    const d = this.#d;
    const found = await d.cache.dueMessages(Math.floor(d.clock.now() / 1000));
    if (found.length === 0) return 0;
    // Mark first: a crash between the two loses a live delivery, never duplicates it; the
    // message stays in the cache for subscribers to fetch with since=.
    const claimed = new Set(await d.cache.markPublished(found.map((m) => m.id)));
    const due = found.filter((m) => claimed.has(m.id));
    for (const m of due) await this.#fanOut(m);
    // How a scheduled message was published is not stored with it: it goes out as a plain one.
    for (const m of due) await this.#published(m, { unifiedPush: false });
    return due.length;
  }

  /** The manager's periodic work: expire cached messages and attachments, forget idle topics, persist counters, sample the rate. */
  async manage(): Promise<void> {
    const d = this.#d;
    const now = d.clock.now();
    d.topics.prune(now, UNHELD_TOPIC_IDLE_MS, (t) => d.hub.subscriberCount(t) > 0);
    const toDelete = await this.#expire(Math.floor(now / 1000));
    if (d.attachments?.shared && now - this.#lastOrphanSweepMs >= SHARED_ORPHAN_SWEEP_MS) {
      await this.removeOrphanAttachments().catch((err: unknown) => d.logger.error({ err }, 'attachment orphan sweep failed'));
    }
    await this.flushCounters();
    this.#rateSamples.push({ count: this.#publishedSinceTick, ms: Math.max(1, now - this.#lastTickMs) });
    if (this.#rateSamples.length > RATE_WINDOW) this.#rateSamples.shift();
    this.#publishedSinceTick = 0;
    this.#lastTickMs = now;
    if (toDelete.length > 0) d.logger.debug({ attachments: toDelete.length }, 'expired attachments deleted');
  }

  /**
   * Deletes the topic's cached messages and their uploads at once (`X-Delete-Messages` when a
   * reservation ends). Subscribers that already received them keep them, as in ntfy.
   */
  async deleteCachedMessages(topic: string): Promise<void> {
    const nowSec = Math.floor(this.#d.clock.now() / 1000);
    await this.#d.cache.expireTopic(topic, nowSec);
    await this.#expire(nowSec);
  }

  /** Removes expired messages and deletes the files of expired uploads; returns the ids of those files. */
  async #expire(nowSec: number): Promise<string[]> {
    const d = this.#d;
    const expiredFiles = await d.cache.expiredAttachmentIds(nowSec);
    const prunedWithFiles = await d.cache.pruneExpired(nowSec);
    const expiredUncached = [...this.#uncachedUploads.values()].filter((m) => (m.attachment?.expires ?? 0) < nowSec).map((m) => m.id);
    for (const id of expiredUncached) this.#uncachedUploads.delete(id);
    const toDelete = [...new Set([...expiredFiles, ...prunedWithFiles, ...expiredUncached])];
    if (d.attachments && toDelete.length > 0) {
      // Files whose deletion failed are no message's any more: the orphan sweep finds them again.
      await d.attachments.remove(toDelete).catch((err: unknown) => d.logger.error({ err, attachments: toDelete.length }, 'expired attachments not deleted'));
    }
    return toDelete;
  }

  /** Writes the in-memory publish counter to the cache's persisted total. */
  async flushCounters(): Promise<void> {
    const n = this.#unsavedCount;
    if (n === 0) return;
    this.#unsavedCount = 0;
    await this.#d.cache.countPublished(n);
  }

  /** `/v1/stats`: messages ever published and messages per second over the recent ticks. */
  async stats(): Promise<{ messages: number; messages_rate: number }> {
    const persisted = await this.#d.cache.publishedCount();
    const count = this.#rateSamples.reduce((s, x) => s + x.count, 0);
    const ms = this.#rateSamples.reduce((s, x) => s + x.ms, 0);
    return { messages: persisted + this.#unsavedCount, messages_rate: ms > 0 ? count / (ms / 1000) : 0 };
  }

  async #published(message: Message, how: PublishedHow): Promise<void> {
    if (message.event !== 'message' && message.event !== 'message_clear' && message.event !== 'message_delete') return;
    for (const listener of this.#onPublished) {
      try {
        await listener(message, how);
      } catch (err) {
        this.#d.logger.error({ err, topic: message.topic, id: message.id }, 'work after publishing failed (push to devices, forwarding)');
      }
    }
  }

  /** Counts the message here, where it was accepted, and sends it to every node's live subscribers. */
  async #fanOut(message: Message): Promise<void> {
    this.#publishedSinceTick++;
    this.#unsavedCount++;
    await this.#d.bus.publish('topic.message', message);
  }

  /** A message published on any node, for this node's live subscribers. */
  #deliverLive(message: Message): void {
    const delivered = this.#d.hub.publish(message);
    this.#d.events?.published?.(message.topic, delivered);
    if (this.#d.attachments?.shared && message.attachment?.size !== undefined && !this.#uncachedUploads.has(message.id)) {
      void this.#rememberIfUncached(message);
    }
  }

  /**
   * Another node's upload, seen on the bus: when no cache row holds it (`Cache: no`, or that node's
   * cache is its own), remember it as that node does, so downloads of it work here and it counts
   * against its sender's quota. Cached ones were written before they went on the bus.
   */
  async #rememberIfUncached(message: Message): Promise<void> {
    try {
      if (!(await this.#d.cache.messageById(message.id))) this.#uncachedUploads.set(message.id, message);
    } catch (err) {
      this.#d.logger.error({ err, id: message.id }, 'could not look up an uploaded attachment from another node');
    }
  }

  async #oneUploadAtATime(key: string, work: () => Promise<void>): Promise<void> {
    const run = (this.#uploadQueues.get(key) ?? Promise.resolve()).then(work);
    const tail = run.catch(() => {});
    this.#uploadQueues.set(key, tail);
    try {
      await run;
    } finally {
      if (this.#uploadQueues.get(key) === tail) this.#uploadQueues.delete(key);
    }
  }

  /** Bytes of a sender's uncached uploads that have not expired (the cache counts the others). */
  #uncachedBytesBy(sender: string, nowSec: number): number {
    let total = 0;
    for (const m of this.#uncachedUploads.values()) {
      if (m.sender === sender && (m.attachment?.expires ?? 0) >= nowSec) total += m.attachment?.size ?? 0;
    }
    return total;
  }

  async #storeUpload(message: Message, body: Uint8Array, visitor: Visitor, now: number): Promise<void> {
    const d = this.#d;
    if (!d.attachments) throw new HeraldError('attachmentsDisallowed');
    const size = body.length;
    const used = (await d.cache.attachmentBytesBySender(visitor.key, Math.floor(now / 1000))) + this.#uncachedBytesBy(visitor.key, Math.floor(now / 1000));
    const serverUsed = await d.attachments.totalSize();
    if (
      size > visitor.limits.attachmentFileSizeBytes ||
      (!visitor.exempt && used + size > visitor.limits.attachmentTotalBytes) ||
      serverUsed + size > d.options.attachmentTotalSizeLimit ||
      !(await visitor.tryTakeBandwidth(now, size))
    ) {
      throw new HeraldError('attachmentTooLarge');
    }
    await d.attachments.put(message.id, body);
  }
}

/**
 * The publish options as they apply to one visitor: a user's tier sets how long their messages are
 * cached, how large an upload may be and how long it is kept (ntfy's tier limits). The server-wide
 * rules (the cache switched off, attachments off, the total of all uploads) stay.
 */
function optionsFor(options: PublishOptions, visitor: Visitor): PublishOptions {
  const limits = visitor.limits;
  if (limits.basis !== 'tier') return options;
  return {
    ...options,
    cacheDurationMs: options.cacheDurationMs > 0 ? limits.messageExpiryMs : 0,
    attachmentFileSizeLimit: limits.attachmentFileSizeBytes,
    attachmentExpiryMs: limits.attachmentExpiryMs,
  };
}
