import { HeraldError } from '../../errors/index.js';
import type { Clock } from '../../ports/clock.js';
import type { DeviceChanges, DeviceListPage, DeviceListQuery, DeviceRecord, DeviceStore, Provider, TopicsOp } from '../../ports/device-store.js';
import { validateDeviceToken, type TokenRules } from './validate-token.js';

export interface DeviceRegistrationInput {
  id?: string;
  app?: string;
  provider: Provider;
  platform?: string;
  token: unknown;
  user?: string | null;
  topics?: string[];
  locale?: string | null;
  timezone?: string | null;
  meta?: Record<string, unknown>;
}

/** The platform a provider implies when the client does not say. */
const DEFAULT_PLATFORM: Record<Provider, string> = { apns: 'ios', fcm: 'android', hms: 'android', webpush: 'web' };

/**
 * The device registry as the push API exposes it: every input is checked here (token format per
 * provider, a configured app, a real time zone and locale), so a bad registration is a 400 now
 * rather than failed sends later.
 */
export class DeviceService {
  readonly #store: DeviceStore;
  readonly #clock: Clock;
  readonly #hasApp: (provider: Provider, app: string) => boolean;
  readonly #rules: TokenRules;

  constructor(store: DeviceStore, clock: Clock, hasApp: (provider: Provider, app: string) => boolean, rules: TokenRules = {}) {
    this.#store = store;
    this.#clock = clock;
    this.#hasApp = hasApp;
    this.#rules = rules;
  }

  async register(input: DeviceRegistrationInput): Promise<{ device: DeviceRecord; created: boolean }> {
    const app = input.app ?? 'default';
    if (!this.#hasApp(input.provider, app)) throw new HeraldError('appUnknown', { detail: `${input.provider} app '${app}'` });
    const { token, keys } = validateDeviceToken(input.provider, input.token, this.#rules);
    checkLocale(input.locale);
    checkTimezone(input.timezone);
    const result = await this.#store.register({
      ...(input.id !== undefined ? { id: input.id } : {}),
      app,
      provider: input.provider,
      platform: input.platform ?? DEFAULT_PLATFORM[input.provider],
      token,
      keys,
      ...(input.user !== undefined ? { user: input.user } : {}),
      ...(input.topics !== undefined ? { topics: input.topics } : {}),
      ...(input.locale !== undefined ? { locale: input.locale } : {}),
      ...(input.timezone !== undefined ? { timezone: input.timezone } : {}),
      ...(input.meta !== undefined ? { meta: input.meta } : {}),
    }, this.#clock.now());
    return result;
  }

  async get(id: string): Promise<DeviceRecord> {
    const device = await this.#store.byId(id);
    if (!device) throw new HeraldError('deviceNotFound');
    return device;
  }

  async update(id: string, changes: DeviceChanges): Promise<DeviceRecord> {
    checkLocale(changes.locale);
    checkTimezone(changes.timezone);
    const device = await this.#store.update(id, changes, this.#clock.now());
    if (!device) throw new HeraldError('deviceNotFound');
    return device;
  }

  async remove(id: string): Promise<void> {
    if (!(await this.#store.remove(id))) throw new HeraldError('deviceNotFound');
  }

  /**
   * Removes every device of these users, page by page through the same listing as the admin API;
   * returns how many were removed. Devices registered meanwhile may survive, as with any delete.
   */
  async removeByUsers(users: readonly string[]): Promise<number> {
    let removed = 0;
    for (const user of new Set(users)) {
      for (;;) {
        // Always the first page: the devices of the previous one are gone.
        const page = await this.#store.list({ user, limit: 500 });
        for (const device of page.devices) if (await this.#store.remove(device.id)) removed++;
        if (page.devices.length === 0 || !page.nextCursor) break;
      }
    }
    return removed;
  }

  /**
   * Changes a device's own topics, if it belongs to `owner` when one is named: a device of another
   * user is a conflict (the caller's view of it is stale), a missing one not found.
   */
  async setTopicsOwned(id: string, topics: string[], op: TopicsOp, owner: string | undefined): Promise<DeviceRecord> {
    if (owner !== undefined) {
      const device = await this.get(id);
      if ((device.user ?? '') !== owner) throw new HeraldError('deviceOwnerMismatch');
    }
    return this.setTopics(id, topics, op);
  }

  /** Adds to, removes from or replaces a user's topics; returns them. */
  async updateUserTopics(user: string, topics: string[], op: TopicsOp): Promise<string[]> {
    const current = await this.#store.userTopics(user);
    const next = op === 'set' ? topics : op === 'add' ? [...current, ...topics] : current.filter((t) => !topics.includes(t));
    return this.setUserTopics(user, next);
  }

  list(query: DeviceListQuery): Promise<DeviceListPage> {
    return this.#store.list(query);
  }

  async setTopics(id: string, topics: string[], op: TopicsOp): Promise<DeviceRecord> {
    const device = await this.#store.setTopics(id, topics, op, this.#clock.now());
    if (!device) throw new HeraldError('deviceNotFound');
    return device;
  }

  userTopics(user: string): Promise<string[]> {
    return this.#store.userTopics(user);
  }

  async setUserTopics(user: string, topics: string[]): Promise<string[]> {
    await this.#store.setUserTopics(user, [...new Set(topics)]);
    return this.#store.userTopics(user);
  }

  /** The Web Push subscription of a browser on the topics face, found by its endpoint. */
  async findWebPush(endpoint: string): Promise<DeviceRecord | undefined> {
    return this.#store.byToken('default', 'webpush', endpoint);
  }
}

function checkTimezone(tz: string | null | undefined): void {
  if (tz === undefined || tz === null) return;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new HeraldError('badRequest', { detail: `unknown time zone '${tz}' (use an IANA name such as Europe/Paris)` });
  }
}

function checkLocale(locale: string | null | undefined): void {
  if (locale === undefined || locale === null) return;
  try {
    Intl.getCanonicalLocales(locale);
  } catch {
    throw new HeraldError('badRequest', { detail: `invalid locale '${locale}' (use a BCP 47 tag such as fr-FR)` });
  }
}
