import { HeraldError } from '../../../errors/index.js';
import { parseHumanDuration } from '../../../util/durations.js';
import { capExceeded, type FrequencyCap, type SentRecord } from './frequency-caps.js';
import { parseClockTime, quietWindowEnd } from './quiet-hours.js';
import { isTimeZone } from './zoned-time.js';

export type Channel = 'push' | 'email' | 'sms' | 'webhook' | 'inapp';

export const CHANNELS: readonly Channel[] = ['push', 'email', 'sms', 'webhook', 'inapp'];

/** One subscriber's choices. A missing key means allowed. */
export interface Preferences {
  enabled: boolean;
  channels: Partial<Record<Channel, boolean>>;
  categories: Record<string, { enabled?: boolean; channels?: Partial<Record<Channel, boolean>> }>;
  quietHours?: { start: string; end: string };
  frequencyCaps: FrequencyCap[];
  channelOrder?: Channel[];
}

/** The wire shape of the notify API (snake_case, durations as strings such as "1d"). */
export interface PreferencesJson {
  enabled: boolean;
  channels: Partial<Record<Channel, boolean>>;
  categories: Record<string, { enabled?: boolean; channels?: Partial<Record<Channel, boolean>> }>;
  quiet_hours?: { start: string; end: string };
  frequency_caps: { category?: string; max: number; per: string }[];
  channel_order?: Channel[];
}

export type SuppressReason = 'disabled' | 'channel_disabled' | 'category_disabled' | 'category_channel_disabled' | 'frequency_cap';

export type Decision =
  | { action: 'send' }
  | { action: 'suppress'; reason: SuppressReason; detail?: string }
  | { action: 'defer'; until: number; reason: 'quiet_hours' };

export interface DecideInput {
  prefs: Preferences;
  category: { name: string; critical: boolean };
  channel: Channel;
  nowMs: number;
  /** The subscriber's IANA zone; quiet hours are read in UTC when it is absent or unknown. */
  timezone?: string;
  /** The subscriber's recent sends; only those inside a cap's window count. */
  recentSends: readonly SentRecord[];
}

/** Everything allowed, no quiet hours, no caps: what a subscriber who never chose has. */
export const DEFAULT_PREFERENCES: Preferences = Object.freeze({
  enabled: true,
  channels: Object.freeze({}),
  categories: Object.freeze({}),
  frequencyCaps: Object.freeze([]) as unknown as FrequencyCap[],
}) as Preferences;

export const PREFERENCES_MAX_CATEGORIES = 500;
export const PREFERENCES_MAX_CAPS = 50;

const SEND: Decision = Object.freeze({ action: 'send' });
const SUPPRESSED = {
  disabled: Object.freeze({ action: 'suppress', reason: 'disabled' }),
  channel_disabled: Object.freeze({ action: 'suppress', reason: 'channel_disabled' }),
  category_disabled: Object.freeze({ action: 'suppress', reason: 'category_disabled' }),
  category_channel_disabled: Object.freeze({ action: 'suppress', reason: 'category_channel_disabled' }),
} as const satisfies Record<string, Decision>;

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Whether to send one delivery, in the spec's order: global switch, channel, category,
 * category × channel (explicit opt-outs; they hold even for critical categories), then quiet
 * hours (defer to the window's end) and frequency caps (suppress), which critical categories
 * bypass. Pure: the caller supplies the time, the zone and the recent sends.
 */
export function decide(input: DecideInput): Decision {
  const { prefs, category, channel } = input;
  if (!prefs.enabled) return SUPPRESSED.disabled;
  if (prefs.channels[channel] === false) return SUPPRESSED.channel_disabled;
  const own = hasOwn.call(prefs.categories, category.name) ? prefs.categories[category.name] : undefined;
  if (own !== undefined) {
    if (own.enabled === false) return SUPPRESSED.category_disabled;
    if (own.channels !== undefined && own.channels[channel] === false) return SUPPRESSED.category_channel_disabled;
  }
  if (category.critical) return SEND;

  const quiet = prefs.quietHours;
  if (quiet !== undefined) {
    const zone = input.timezone !== undefined && isTimeZone(input.timezone) ? input.timezone : 'UTC';
    const until = quietWindowEnd(quiet, input.nowMs, zone);
    if (until !== undefined) return { action: 'defer', until, reason: 'quiet_hours' };
  }
  if (prefs.frequencyCaps.length > 0) {
    const cap = capExceeded(prefs.frequencyCaps, category.name, input.recentSends, input.nowMs);
    if (cap !== undefined) return { action: 'suppress', reason: 'frequency_cap', detail: describeCap(cap) };
  }
  return SEND;
}

/** "marketing: 3 per 1d", or "all categories: 20 per 1h" for a cap without a category. */
export function describeCap(cap: FrequencyCap): string {
  return `${cap.category ?? 'all categories'}: ${cap.max} per ${formatDuration(cap.perMs)}`;
}

const UNITS: readonly [string, number][] = [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];

/** The shortest exact spelling of a duration in one unit: 86400000 → "1d", 5400000 → "90m". */
export function formatDuration(ms: number): string {
  for (const [unit, size] of UNITS) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

// Category names follow PUT /v1/categories/{name}; the rule also keeps "__proto__" out.
const CATEGORY_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

function invalid(field: string, problem: string): never {
  throw new HeraldError('badRequest', { detail: `preferences: ${field} ${problem}` });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKeys(value: Record<string, unknown>, allowed: readonly string[], field: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) invalid(field ? `${field}.${key}` : key, 'is not a known field');
  }
}

function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}

function parseChannelSwitches(value: unknown, field: string): Partial<Record<Channel, boolean>> {
  if (!isRecord(value)) invalid(field, `must be an object of ${CHANNELS.join(', ')} → true/false`);
  const out: Partial<Record<Channel, boolean>> = {};
  for (const [key, on] of Object.entries(value)) {
    if (!isChannel(key)) invalid(`${field}.${key}`, `is not a channel (one of ${CHANNELS.join(', ')})`);
    if (typeof on !== 'boolean') invalid(`${field}.${key}`, 'must be true or false');
    out[key] = on;
  }
  return out;
}

function parseClock(value: unknown, field: string): string {
  if (typeof value !== 'string' || parseClockTime(value) < 0) invalid(field, 'must be a time HH:MM between 00:00 and 23:59');
  return value;
}

function parseCap(value: unknown, field: string): FrequencyCap {
  if (!isRecord(value)) invalid(field, 'must be an object {"category"?, "max", "per"}');
  checkKeys(value, ['category', 'max', 'per'], field);
  const cap: FrequencyCap = { max: 0, perMs: 0 };
  if (value.category !== undefined) {
    if (typeof value.category !== 'string' || !CATEGORY_NAME.test(value.category)) invalid(`${field}.category`, 'must be a category name');
    cap.category = value.category;
  }
  if (typeof value.max !== 'number' || !Number.isSafeInteger(value.max) || value.max < 1) invalid(`${field}.max`, 'must be a positive integer');
  cap.max = value.max;
  const perMs = typeof value.per === 'string' && value.per.length <= 32 ? parseHumanDuration(value.per) : undefined;
  if (perMs === undefined || !(perMs >= 1000) || perMs > 366 * 86_400_000) {
    invalid(`${field}.per`, 'must be a duration between 1s and 366d, e.g. "1h" or "1d"');
  }
  cap.perMs = Math.round(perMs);
  return cap;
}

/**
 * Validates the wire shape of GET|PUT /v1/subscribers/{id}/preferences. Absent fields take
 * their defaults (enabled, no switches, no quiet hours, no caps); unknown fields are refused so
 * that a misspelt "quietHours" is an error, not a silent no-op. Throws HeraldError badRequest
 * naming the field at fault.
 */
export function parsePreferences(json: unknown): Preferences {
  if (!isRecord(json)) invalid('body', 'must be a JSON object');
  checkKeys(json, ['enabled', 'channels', 'categories', 'quiet_hours', 'frequency_caps', 'channel_order'], '');
  const prefs: Preferences = { enabled: true, channels: {}, categories: {}, frequencyCaps: [] };

  if (json.enabled !== undefined) {
    if (typeof json.enabled !== 'boolean') invalid('enabled', 'must be true or false');
    prefs.enabled = json.enabled;
  }
  if (json.channels !== undefined) prefs.channels = parseChannelSwitches(json.channels, 'channels');

  if (json.categories !== undefined) {
    if (!isRecord(json.categories)) invalid('categories', 'must be an object of category name → settings');
    const entries = Object.entries(json.categories);
    if (entries.length > PREFERENCES_MAX_CATEGORIES) invalid('categories', `must not have more than ${PREFERENCES_MAX_CATEGORIES} entries`);
    for (const [name, settings] of entries) {
      const field = `categories.${name}`;
      if (!CATEGORY_NAME.test(name)) invalid(field, 'is not a category name (1-64 lowercase letters, digits, dots, dashes or underscores)');
      if (!isRecord(settings)) invalid(field, 'must be an object {"enabled"?, "channels"?}');
      checkKeys(settings, ['enabled', 'channels'], field);
      const out: Preferences['categories'][string] = {};
      if (settings.enabled !== undefined) {
        if (typeof settings.enabled !== 'boolean') invalid(`${field}.enabled`, 'must be true or false');
        out.enabled = settings.enabled;
      }
      if (settings.channels !== undefined) out.channels = parseChannelSwitches(settings.channels, `${field}.channels`);
      prefs.categories[name] = out;
    }
  }

  if (json.quiet_hours !== undefined && json.quiet_hours !== null) {
    const q = json.quiet_hours;
    if (!isRecord(q)) invalid('quiet_hours', 'must be an object {"start": "HH:MM", "end": "HH:MM"} or null');
    checkKeys(q, ['start', 'end'], 'quiet_hours');
    prefs.quietHours = { start: parseClock(q.start, 'quiet_hours.start'), end: parseClock(q.end, 'quiet_hours.end') };
  }

  if (json.frequency_caps !== undefined) {
    const caps = json.frequency_caps;
    if (!Array.isArray(caps)) invalid('frequency_caps', 'must be a list of {"category"?, "max", "per"}');
    if (caps.length > PREFERENCES_MAX_CAPS) invalid('frequency_caps', `must not have more than ${PREFERENCES_MAX_CAPS} caps`);
    prefs.frequencyCaps = caps.map((cap, i) => parseCap(cap, `frequency_caps[${i}]`));
  }

  if (json.channel_order !== undefined && json.channel_order !== null) {
    const order = json.channel_order;
    if (!Array.isArray(order)) invalid('channel_order', `must be a list of channels (${CHANNELS.join(', ')})`);
    order.forEach((channel, i) => {
      if (!isChannel(channel)) invalid(`channel_order[${i}]`, `is not a channel (one of ${CHANNELS.join(', ')})`);
      if (order.indexOf(channel) !== i) invalid(`channel_order[${i}]`, `repeats ${channel}`);
    });
    if (order.length > 0) prefs.channelOrder = [...(order as Channel[])];
  }
  return prefs;
}

/** The wire shape of {@link Preferences}; `parsePreferences(preferencesToJson(p))` gives back `p`. */
export function preferencesToJson(p: Preferences): PreferencesJson {
  const categories: PreferencesJson['categories'] = {};
  for (const [name, settings] of Object.entries(p.categories)) {
    const out: PreferencesJson['categories'][string] = {};
    if (settings.enabled !== undefined) out.enabled = settings.enabled;
    if (settings.channels !== undefined) out.channels = { ...settings.channels };
    categories[name] = out;
  }
  const json: PreferencesJson = {
    enabled: p.enabled,
    channels: { ...p.channels },
    categories,
    frequency_caps: p.frequencyCaps.map((cap) => ({
      ...(cap.category !== undefined ? { category: cap.category } : {}),
      max: cap.max,
      per: formatDuration(cap.perMs),
    })),
  };
  if (p.quietHours) json.quiet_hours = { start: p.quietHours.start, end: p.quietHours.end };
  if (p.channelOrder && p.channelOrder.length > 0) json.channel_order = [...p.channelOrder];
  return json;
}
