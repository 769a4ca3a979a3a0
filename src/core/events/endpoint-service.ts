import { randomBytes } from 'node:crypto';
import { HeraldError } from '../../errors/index.js';
import type { Clock } from '../../ports/clock.js';
import type { EventAttemptRecord, EventEndpointChanges, EventEndpointPage, EventEndpointRecord, EventEndpointStore } from '../../ports/event-endpoint-store.js';
import { randomId } from '../../util/ids.js';
import { checkEndpointUrl, type EndpointUrlRules } from './endpoint-url.js';
import { ALL_EVENTS, parseEventTypes } from './event-types.js';

/** How long the secret before a rotation keeps signing beside the new one, unless the caller says. */
export const DEFAULT_ROTATION_OVERLAP_MS = 24 * 3600_000;
/** Endpoints per server; they are per app backend, and each event fans out to all of its subscribers. */
const MAX_ENDPOINTS = 100;

export interface NewEndpointInput {
  url: string;
  events: readonly string[];
  description?: string;
}

export interface EndpointPatch {
  url?: string;
  events?: readonly string[];
  description?: string;
  /** false switches the endpoint off; true switches it on again (and forgets its failures). */
  enabled?: boolean;
}

/**
 * The registered event endpoints, and which event types anyone listens to. The whole set is kept
 * in memory (there are few), refreshed after every change made here and by {@link refresh} for
 * changes made on other nodes, so asking whether an event has a listener costs no query: a
 * broadcast with no endpoint registered pays nothing for the feature.
 */
export class EventEndpointService {
  readonly #store: EventEndpointStore;
  readonly #clock: Clock;
  readonly #urlRules: EndpointUrlRules;
  #endpoints: readonly EventEndpointRecord[] = [];
  /** Types some enabled endpoint wants; `*` in it when one wants all. */
  #wanted: ReadonlySet<string> = new Set();
  readonly #listeners: (() => void)[] = [];

  constructor(store: EventEndpointStore, clock: Clock, urlRules: EndpointUrlRules) {
    this.#store = store;
    this.#clock = clock;
    this.#urlRules = urlRules;
  }

  /** Called after every change made through this service (to tell delivery threads). */
  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /** Re-reads the endpoints and tells the listeners: a change was made here. */
  async #changed(): Promise<void> {
    await this.refresh();
    for (const l of this.#listeners) l();
  }

  /** Re-reads the endpoints (start, and periodically: another node may have changed them). */
  async refresh(): Promise<void> {
    const all = await this.#store.all();
    this.#endpoints = all;
    this.#wanted = new Set(all.filter((e) => e.disabledAt === 0).flatMap((e) => e.events));
  }

  /** Whether any enabled endpoint listens to `type`. */
  wants(type: string): boolean {
    return this.#wanted.size > 0 && (this.#wanted.has(ALL_EVENTS) || this.#wanted.has(type));
  }

  /** Whether any enabled endpoint listens at all. */
  get listening(): boolean {
    return this.#wanted.size > 0;
  }

  /** Every endpoint as last read, enabled or not. */
  all(): readonly EventEndpointRecord[] {
    return this.#endpoints;
  }

  /** The enabled endpoints that listen to `type`, from memory. */
  subscribers(type: string): EventEndpointRecord[] {
    return this.#endpoints.filter((e) => e.disabledAt === 0 && (e.events.includes(ALL_EVENTS) || e.events.includes(type)));
  }

  /** The endpoint as last read, from memory; a store read when this node has not seen it yet. */
  async cached(id: string): Promise<EventEndpointRecord | undefined> {
    return this.#endpoints.find((e) => e.id === id) ?? this.#store.byId(id);
  }

  async create(input: NewEndpointInput, actor: string): Promise<EventEndpointRecord> {
    const url = checkEndpointUrl(input.url, this.#urlRules);
    const events = parseEventTypes(input.events);
    await this.refresh();
    if (this.#endpoints.length >= MAX_ENDPOINTS) throw new HeraldError('badRequest', { detail: `at most ${MAX_ENDPOINTS} event endpoints; delete one first` });
    const now = this.#clock.now();
    const endpoint: EventEndpointRecord = {
      id: `ep_${randomId(16)}`, url, events, description: input.description ?? '', secret: newSecret(),
      previousSecret: null, previousSecretExpires: 0, disabledAt: 0, disabledReason: '', consecutiveFailures: 0,
      actor, createdAt: now, updatedAt: now,
    };
    await this.#store.add(endpoint);
    await this.#changed();
    return endpoint;
  }

  list(query: { cursor?: string; limit: number }): Promise<EventEndpointPage> {
    return this.#store.list(query);
  }

  async get(id: string): Promise<EventEndpointRecord> {
    const endpoint = await this.#store.byId(id);
    if (!endpoint) throw new HeraldError('notFound', { detail: `no event endpoint ${id}` });
    return endpoint;
  }

  async update(id: string, patch: EndpointPatch): Promise<EventEndpointRecord> {
    const changes: EventEndpointChanges = { updatedAt: this.#clock.now() };
    if (patch.url !== undefined) changes.url = checkEndpointUrl(patch.url, this.#urlRules);
    if (patch.events !== undefined) changes.events = parseEventTypes(patch.events);
    if (patch.description !== undefined) changes.description = patch.description;
    if (patch.enabled === true) Object.assign(changes, { disabledAt: 0, disabledReason: '' });
    if (patch.enabled === false) Object.assign(changes, { disabledAt: this.#clock.now(), disabledReason: 'disabled through the API' });
    if (!(await this.#store.update(id, changes))) throw new HeraldError('notFound', { detail: `no event endpoint ${id}` });
    await this.#changed();
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    if (!(await this.#store.remove(id))) throw new HeraldError('notFound', { detail: `no event endpoint ${id}` });
    await this.#changed();
  }

  /**
   * A new secret; the old one keeps signing beside it for `overlapMs` (0: stops at once), so a
   * receiver that deploys the new secret a little later still verifies every message.
   */
  async rotateSecret(id: string, overlapMs = DEFAULT_ROTATION_OVERLAP_MS): Promise<EventEndpointRecord> {
    const current = await this.get(id);
    const now = this.#clock.now();
    await this.#store.update(id, {
      secret: newSecret(),
      previousSecret: overlapMs > 0 ? current.secret : null,
      previousSecretExpires: overlapMs > 0 ? now + overlapMs : 0,
      updatedAt: now,
    });
    await this.#changed();
    return this.get(id);
  }

  async attempts(id: string, limit: number): Promise<EventAttemptRecord[]> {
    await this.get(id);
    return this.#store.attempts(id, limit);
  }

  /** The secrets that sign a message to this endpoint now: the current one first, then the previous one while it overlaps. */
  signingSecrets(endpoint: EventEndpointRecord, now: number): string[] {
    return endpoint.previousSecret && endpoint.previousSecretExpires > now ? [endpoint.secret, endpoint.previousSecret] : [endpoint.secret];
  }

  /**
   * Counts a finished delivery; after `disableAfter` failures in a row (0: never) the endpoint is
   * switched off, since a receiver that is gone would otherwise collect retries forever.
   */
  async settled(id: string, succeeded: boolean, disableAfter: number, reason?: string): Promise<void> {
    const run = await this.#store.settle(id, succeeded);
    if (succeeded || disableAfter <= 0 || run < disableAfter) return;
    await this.disable(id, `${run} deliveries failed in a row${reason ? ` (last: ${reason})` : ''}`);
  }

  /** Switches an endpoint off (410 Gone from the receiver, or too many failures). */
  async disable(id: string, reason: string): Promise<void> {
    const now = this.#clock.now();
    await this.#store.update(id, { disabledAt: now, disabledReason: reason, updatedAt: now });
    await this.#changed();
  }
}

/** Standard Webhooks secrets are `whsec_` + base64 of 24 to 64 random bytes; 32 here. */
function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
