import { HeraldError } from '../../errors/index.js';
import type { Clock } from '../../ports/clock.js';
import type {
  DeviceChanges, DeviceFilter, DeviceListPage, DeviceListQuery, DeviceRecord, DeviceStore, DeviceTopicFilter, DeviceTopicPage, DeviceTopicQuery, Provider, TopicsOp,
  UserTopicFilter, UserTopicPage, UserTopicQuery,
} from '../../ports/device-store.js';
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

/** Which devices a bulk update takes: those named, and those of the users named (`null`: of no user). */
export interface DeviceSelection {
  ids?: readonly string[];
  users?: readonly (string | null)[];
}

/** What a bulk update changes: the fields of `update`, and the own topics by an operation. */
export interface DeviceBulkChanges extends Omit<DeviceChanges, 'topics'> {
  topics?: { op: TopicsOp; topics: string[] };
}

/** Devices read per page while a bulk update walks its selection. */
const BULK_PAGE = 500;

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

  /**
   * Applies the same changes to every selected device (named, or of a named user), page by page;
   * returns how many devices were changed. Inputs are checked before the first write. Devices
   * registered meanwhile may be missed, and a device removed meanwhile is skipped.
   */
  async updateMany(selection: DeviceSelection, changes: DeviceBulkChanges): Promise<number> {
    checkLocale(changes.locale);
    checkTimezone(changes.timezone);
    const { topics, ...fields } = changes;
    const hasFields = Object.values(fields).some((v) => v !== undefined);
    let changed = 0;
    const filters: DeviceFilter[] = [];
    if (selection.ids?.length) filters.push({ ids: selection.ids });
    if (selection.users?.length) filters.push({ users: selection.users });
    for (const filter of filters) {
      let cursor: string | undefined;
      do {
        // Paged by id: a device whose user this update changes is already behind the cursor.
        const page = await this.#store.list({ ...filter, limit: BULK_PAGE, ...(cursor ? { cursor } : {}) });
        for (const device of page.devices) {
          const now = this.#clock.now();
          let found = true;
          if (hasFields) found = (await this.#store.update(device.id, fields, now)) !== undefined;
          if (found && topics) found = (await this.#store.setTopics(device.id, topics.topics, topics.op, now)) !== undefined;
          if (found) changed++;
        }
        cursor = page.nextCursor;
      } while (cursor);
    }
    return changed;
  }

  list(query: DeviceListQuery): Promise<DeviceListPage> {
    return this.#store.list(query);
  }

  count(filter: DeviceFilter): Promise<number> {
    return this.#store.count(filter);
  }

  listDeviceTopics(query: DeviceTopicQuery): Promise<DeviceTopicPage> {
    return this.#store.listDeviceTopics(query);
  }

  countDeviceTopics(filter: DeviceTopicFilter): Promise<number> {
    return this.#store.countDeviceTopics(filter);
  }

  listUserTopics(query: UserTopicQuery): Promise<UserTopicPage> {
    return this.#store.listUserTopics(query);
  }

  countUserTopics(filter: UserTopicFilter): Promise<number> {
    return this.#store.countUserTopics(filter);
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
  const problem = timezoneProblem(tz);
  if (problem) throw new HeraldError('badRequest', { detail: problem });
}

function checkLocale(locale: string | null | undefined): void {
  const problem = localeProblem(locale);
  if (problem) throw new HeraldError('badRequest', { detail: problem });
}

/** What is wrong with a time zone, if anything; null and undefined are fine (none, unchanged). */
export function timezoneProblem(tz: string | null | undefined): string | undefined {
  if (tz === undefined || tz === null) return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return undefined;
  } catch {
    return `unknown time zone '${tz}' (use an IANA name such as Europe/Paris)`;
  }
}

/** What is wrong with a locale, if anything; null and undefined are fine (none, unchanged). */
export function localeProblem(locale: string | null | undefined): string | undefined {
  if (locale === undefined || locale === null) return undefined;
  try {
    Intl.getCanonicalLocales(locale);
    return undefined;
  } catch {
    return `invalid locale '${locale}' (use a BCP 47 tag such as fr-FR)`;
  }
}
