import { HeraldError } from '../../errors/index.js';
import type { Clock } from '../../ports/clock.js';
import type { DeviceRecord, DeviceStore } from '../../ports/device-store.js';
import type { PushStore } from '../../ports/push-store.js';
import { NOTIFY_CHANNELS, type CategoryRecord, type NotifyChannel, type NotifyStore, type SubscriberRecord } from '../../ports/notify-store.js';
import type { TemplateEngine } from '../../ports/template-engine.js';
import { parseHumanDuration } from '../../util/durations.js';
import { isE164 } from '../../util/sms.js';
import type { Inbox } from './inbox.js';
import { DEFAULT_PREFERENCES, isTimeZone, parsePreferences, preferencesToJson } from './preferences/index.js';
import {
  canonicalLocale, parseTemplate, previewDraft, renderTemplate, templateToJson, type DraftPreview, type RenderedTemplate, type TemplateDefinition, type TemplateSubscriber,
} from './templates/index.js';

/** What `PUT /v1/subscribers/{id}` takes (wire shape, already JSON-parsed). */
export interface SubscriberInput {
  email?: string | null;
  phone?: string | null;
  name?: string | null;
  locale?: string | null;
  timezone?: string | null;
  webhook_url?: string | null;
  data?: Record<string, unknown>;
}

export interface CategoryInput {
  description?: string;
  channels?: string[];
  critical?: boolean;
  digest?: { window: string } | null;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/;
const CATEGORY = /^[a-z0-9][a-z0-9._-]{0,63}$/;
// Deliberately loose: one @, no spaces, a dot in the domain. The SMTP relay is the real judge.
const EMAIL = /^[^\s@<>(),;:"]{1,64}@[^\s@<>(),;:"]+\.[^\s@<>(),;:".]{2,}$/;
const MAX_DATA_BYTES = 16 * 1024;
const DIGEST_MAX_MS = 7 * 24 * 3600_000;

/**
 * Subscribers, categories and templates of the notify face: validation, storage and preview.
 * Templates are compiled when they are put, so one that does not parse is refused then; compiled
 * definitions are kept in memory and rebuilt when a template changes.
 */
export class NotifyDirectory {
  readonly #store: NotifyStore;
  readonly #devices: DeviceStore;
  readonly #engine: TemplateEngine;
  readonly #clock: Clock;
  readonly #compiled = new Map<string, { updatedAt: number; def: TemplateDefinition }>();
  readonly #pushes: Pick<PushStore, 'eraseUser'> | undefined;
  readonly #inbox: Pick<Inbox, 'end'> | undefined;

  constructor(deps: { store: NotifyStore; devices: DeviceStore; engine: TemplateEngine; clock: Clock; pushes?: Pick<PushStore, 'eraseUser'>; inbox?: Pick<Inbox, 'end'> }) {
    this.#store = deps.store;
    this.#pushes = deps.pushes;
    this.#inbox = deps.inbox;
    this.#devices = deps.devices;
    this.#engine = deps.engine;
    this.#clock = deps.clock;
  }

  async putSubscriber(id: string, input: SubscriberInput): Promise<{ subscriber: SubscriberRecord; created: boolean }> {
    checkId(id);
    const now = this.#clock.now();
    const existing = await this.#store.getSubscriber(id);
    const s: SubscriberRecord = { id, data: input.data ?? {}, createdAt: existing?.createdAt ?? now, updatedAt: now };
    if (typeof s.data !== 'object' || s.data === null || Array.isArray(s.data)) invalid('data must be an object');
    if (JSON.stringify(s.data).length > MAX_DATA_BYTES) invalid(`data must be at most ${MAX_DATA_BYTES} bytes of JSON`);
    if (input.email != null) {
      if (typeof input.email !== 'string' || input.email.length > 254 || !EMAIL.test(input.email)) invalid('email must be an e-mail address');
      s.email = input.email;
    }
    if (input.phone != null) {
      if (typeof input.phone !== 'string' || !isE164(input.phone)) invalid('phone must be an E.164 number, e.g. +14155550100');
      s.phone = input.phone;
    }
    if (input.name != null) {
      if (typeof input.name !== 'string' || input.name.length > 200) invalid('name must be a string of at most 200 characters');
      s.name = input.name;
    }
    if (input.locale != null) {
      const locale = typeof input.locale === 'string' ? canonicalLocale(input.locale) : undefined;
      if (!locale) invalid('locale must be a BCP 47 language tag, e.g. fr-CA');
      s.locale = locale;
    }
    if (input.timezone != null) {
      if (typeof input.timezone !== 'string' || !isIanaZone(input.timezone)) invalid('timezone must be an IANA time zone, e.g. Europe/Paris');
      s.timezone = input.timezone;
    }
    if (input.webhook_url != null) {
      if (typeof input.webhook_url !== 'string' || !/^https?:\/\/[^\s]+$/i.test(input.webhook_url) || input.webhook_url.length > 2048) invalid('webhook_url must be an http(s) URL');
      s.webhookUrl = input.webhook_url;
    }
    const { created } = await this.#store.putSubscriber(s);
    if (existing?.preferences !== undefined) s.preferences = existing.preferences;
    return { subscriber: s, created };
  }

  async getSubscriber(id: string): Promise<SubscriberRecord> {
    const s = await this.#store.getSubscriber(id);
    if (!s) throw new HeraldError('subscriberNotFound');
    return s;
  }

  /** A page of subscribers in id order; `search` keeps those whose id, e-mail, name or phone contains it (any case). */
  async listSubscribers(page: { search?: string; cursor?: string; limit: number }): Promise<{ subscribers: SubscriberRecord[]; nextCursor?: string }> {
    const search = page.search?.trim();
    const rows = await this.#store.listSubscribers({ limit: page.limit + 1, ...(search ? { search } : {}), ...(page.cursor ? { after: page.cursor } : {}) });
    const subscribers = rows.slice(0, page.limit);
    return rows.length > page.limit ? { subscribers, nextCursor: subscribers[subscribers.length - 1]!.id } : { subscribers };
  }

  /** Erases the subscriber, its devices, inbox, preferences and its rows in the delivery log; ends its inbox streams. */
  async eraseSubscriber(id: string): Promise<void> {
    const devices = await this.#devicesOf(id);
    const existed = await this.#store.eraseSubscriber(id);
    await this.#inbox?.end(id);
    await this.#pushes?.eraseUser(id, devices.map((d) => d.id));
    for (const d of devices) await this.#devices.remove(d.id);
    await this.#devices.setUserTopics(id, []);
    if (!existed && devices.length === 0) throw new HeraldError('subscriberNotFound');
  }

  /** Everything held about the subscriber. */
  async exportSubscriber(id: string): Promise<{ subscriber: SubscriberRecord; devices: DeviceRecord[]; topics: string[] } & Awaited<ReturnType<NotifyStore['exportSubscriber']>>> {
    const subscriber = await this.getSubscriber(id);
    const [devices, topics, held] = await Promise.all([this.#devicesOf(id), this.#devices.userTopics(id), this.#store.exportSubscriber(id)]);
    return { subscriber, devices, topics, ...held };
  }

  /** The subscriber's preference document in wire shape (the defaults until one is set). */
  async getPreferences(id: string): Promise<unknown> {
    const s = await this.getSubscriber(id);
    return s.preferences ?? preferencesToJson(DEFAULT_PREFERENCES);
  }

  /** Validates and replaces the preference document; returns it normalized. */
  async setPreferences(id: string, json: unknown): Promise<unknown> {
    const wire = preferencesToJson(parsePreferences(json));
    if (!(await this.#store.setPreferences(id, wire, this.#clock.now()))) throw new HeraldError('subscriberNotFound');
    return wire;
  }

  async putCategory(name: string, input: CategoryInput): Promise<CategoryRecord> {
    if (!CATEGORY.test(name)) invalidCategory('a category name is 1-64 lowercase letters, digits, dots, dashes or underscores');
    const channels = input.channels ?? ['push', 'email', 'sms', 'inapp'];
    if (!Array.isArray(channels) || channels.length === 0 || channels.some((c) => !NOTIFY_CHANNELS.includes(c as NotifyChannel))) {
      invalidCategory(`channels must be a non-empty list of ${NOTIFY_CHANNELS.join(', ')}`);
    }
    if (new Set(channels).size !== channels.length) invalidCategory('channels must not repeat');
    if (input.description !== undefined && (typeof input.description !== 'string' || input.description.length > 500)) invalidCategory('description must be a string of at most 500 characters');
    if (input.critical !== undefined && typeof input.critical !== 'boolean') invalidCategory('critical must be true or false');
    let digestWindowMs: number | undefined;
    if (input.digest != null) {
      const ms = typeof input.digest === 'object' && typeof input.digest.window === 'string' ? safeDuration(input.digest.window) : undefined;
      if (ms === undefined || ms < 60_000 || ms > DIGEST_MAX_MS) invalidCategory('digest.window must be a duration between 1m and 7d, e.g. "1h"');
      digestWindowMs = ms;
    }
    const now = this.#clock.now();
    const existing = await this.#store.getCategory(name);
    const record: CategoryRecord = {
      name, description: input.description ?? '', channels: channels as NotifyChannel[], critical: input.critical ?? false,
      createdAt: existing?.createdAt ?? now, updatedAt: now, ...(digestWindowMs !== undefined ? { digestWindowMs } : {}),
    };
    await this.#store.putCategory(record);
    return record;
  }

  async getCategory(name: string): Promise<CategoryRecord> {
    const c = await this.#store.getCategory(name);
    if (!c) throw new HeraldError('categoryNotFound');
    return c;
  }

  listCategories(): Promise<CategoryRecord[]> {
    return this.#store.listCategories();
  }

  async deleteCategory(name: string): Promise<void> {
    if (!(await this.#store.deleteCategory(name))) throw new HeraldError('categoryNotFound');
  }

  /** Parses and compiles every field of every locale: a template that does not parse is a 400 here. */
  async putTemplate(name: string, json: unknown): Promise<{ template: TemplateDefinition; created: boolean }> {
    const def = parseTemplate(name, json, this.#engine);
    if (def.category !== undefined && !(await this.#store.getCategory(def.category))) {
      throw new HeraldError('categoryNotFound', { detail: `the template's category ${def.category} does not exist; PUT /v1/categories/${def.category} first` });
    }
    const now = this.#clock.now();
    const existing = await this.#store.getTemplate(name);
    await this.#store.putTemplate({ name, definition: templateToJson(def), createdAt: existing?.createdAt ?? now, updatedAt: now });
    this.#compiled.set(name, { updatedAt: now, def });
    return { template: def, created: !existing };
  }

  async getTemplate(name: string): Promise<TemplateDefinition> {
    const record = await this.#store.getTemplate(name);
    if (!record) throw new HeraldError('templateNotFound');
    const cached = this.#compiled.get(name);
    if (cached && cached.updatedAt === record.updatedAt) return cached.def;
    const def = parseTemplate(name, record.definition, this.#engine);
    this.#compiled.set(name, { updatedAt: record.updatedAt, def });
    return def;
  }

  async listTemplates(): Promise<string[]> {
    return (await this.#store.listTemplates()).map((t) => t.name);
  }

  async deleteTemplate(name: string): Promise<void> {
    if (!(await this.#store.deleteTemplate(name))) throw new HeraldError('templateNotFound');
    this.#compiled.delete(name);
  }

  /** Renders every channel of the template for a subscriber (or a bare locale) without sending. */
  async preview(name: string, input: { subscriber?: string; locale?: string; data?: Record<string, unknown> }): Promise<RenderedTemplate> {
    const def = await this.getTemplate(name);
    return renderTemplate(def, await this.#renderInput(input));
  }

  /**
   * Renders a template that is not stored (an editor's draft) without sending: each channel on
   * its own, so one that does not parse or render is reported with its field, locale, line and
   * column while the others still render. Nothing is stored or compiled for later.
   */
  async previewDraft(template: unknown, input: { subscriber?: string; locale?: string; data?: Record<string, unknown> }): Promise<DraftPreview> {
    if (input.locale !== undefined && canonicalLocale(input.locale) === undefined) {
      throw new HeraldError('badRequest', { detail: `locale "${input.locale}" is not a BCP 47 language tag` });
    }
    return previewDraft(template, this.#engine, await this.#renderInput(input));
  }

  async #renderInput(input: { subscriber?: string; locale?: string; data?: Record<string, unknown> }): Promise<{ locale?: string; data: Record<string, unknown>; subscriber?: TemplateSubscriber }> {
    const subscriber = input.subscriber !== undefined ? await this.getSubscriber(input.subscriber) : undefined;
    const locale = input.locale ?? subscriber?.locale;
    return {
      ...(locale !== undefined ? { locale } : {}),
      data: input.data ?? {},
      ...(subscriber ? { subscriber: { id: subscriber.id, name: subscriber.name, email: subscriber.email, phone: subscriber.phone, locale: subscriber.locale, timezone: subscriber.timezone, data: subscriber.data } } : {}),
    };
  }

  async #devicesOf(user: string): Promise<DeviceRecord[]> {
    const out: DeviceRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#devices.list({ user, limit: 500, ...(cursor ? { cursor } : {}) });
      out.push(...page.devices);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }
}

function checkId(id: string): void {
  if (!ID.test(id)) invalid('a subscriber id is 1-128 letters, digits or . _ : @ + - and starts with a letter or digit');
}

function invalid(detail: string): never {
  throw new HeraldError('subscriberInvalid', { detail });
}

function invalidCategory(detail: string): never {
  throw new HeraldError('categoryInvalid', { detail });
}

function safeDuration(text: string): number | undefined {
  try {
    return parseHumanDuration(text);
  } catch {
    return undefined;
  }
}

/** A zone Intl knows, named the IANA way ("Area/City" or "UTC"); abbreviations such as "EST" are refused. */
function isIanaZone(name: string): boolean {
  return (name.includes('/') || name === 'UTC') && isTimeZone(name);
}
