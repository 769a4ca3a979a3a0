import { HeraldError } from '../../errors/index.js';
import type { DeviceRecord, DeviceStore } from '../../ports/device-store.js';
import type { Outcome } from '../../ports/provider.js';
import type { EncodedPush, PushContent, PushPersonalization, PushSender, PushTarget } from '../../ports/push-sender.js';
import type { ClaimedDelivery } from '../../ports/push-store.js';
import { isTemplate, parseTemplate, type CompiledTemplate, type TemplateScope } from './payload-template.js';

/**
 * Per-device rendering of templated pushes (Centrifugo's `use_templating`, `use_meta`,
 * `localizations`). A push's templates are compiled once; each claimed chunk reads its devices
 * in one call, renders every template string per device, and encodes each distinct rendering
 * once, so a broadcast whose strings depend only on the locale costs a handful of encodings,
 * not one per device.
 */

export const PERSONALIZE_LIMITS = {
  /** Longest template string. */
  maxTemplateChars: 4096,
  /** `{{ … }}` actions across all the strings of one push. */
  maxActions: 200,
  /** Characters of all rendered strings of one device together; past it that delivery fails. */
  maxRenderedChars: 64 * 1024,
  /** Distinct renderings kept encoded per push and sender; past it the cache starts over. */
  maxEncodings: 1024,
} as const;

/** Where a template string sits: a path from `{ notification, overrides }` of the content. */
type LeafPath = readonly (string | number)[];

interface Leaf {
  path: LeafPath;
  template: CompiledTemplate;
}

/** The templates of one push, ready to render. */
export interface CompiledPersonalization {
  readonly leaves: readonly Leaf[];
  /** False when no template reads the device: renders then depend on the locale's translations alone. */
  readonly readsDevice: boolean;
  readonly settings: PushPersonalization;
}

/** Raw payload objects whose strings are templates, by where they sit in the content. */
const TEMPLATED_ROOTS: readonly LeafPath[] = [
  ['notification', 'title'],
  ['notification', 'body'],
  ['overrides', 'apns', 'payload'],
  ['overrides', 'fcm', 'message'],
  ['overrides', 'hms', 'message'],
  ['overrides', 'webpush', 'payload'],
];

/**
 * Compiles every template string of the content. A bad template is a `pushInvalid` naming its
 * field as the API spells it: `fieldPrefix` + `fcm.message.notification.title` (the Centrifugo
 * face passes `notification.`, where its raw payloads live).
 */
export function compilePersonalization(content: PushContent, settings: PushPersonalization, fieldPrefix = ''): CompiledPersonalization {
  const leaves: Leaf[] = [];
  let actions = 0;
  let readsDevice = false;
  const limits = { maxChars: PERSONALIZE_LIMITS.maxTemplateChars, maxActions: PERSONALIZE_LIMITS.maxActions };
  const visit = (value: unknown, path: (string | number)[]): void => {
    if (typeof value === 'string') {
      if (!isTemplate(value)) return;
      const parsed = parseTemplate(value, limits);
      if (!parsed.ok) throw new HeraldError('pushInvalid', { detail: `${fieldPrefix}${fieldName(path)}: ${parsed.problem}` });
      actions += parsed.template.actions;
      if (actions > PERSONALIZE_LIMITS.maxActions) {
        throw new HeraldError('pushInvalid', { detail: `${fieldPrefix}${fieldName(path)}: a push holds at most ${PERSONALIZE_LIMITS.maxActions} template actions in all` });
      }
      if (parsed.template.readsDevice) readsDevice = true;
      leaves.push({ path: [...path], template: parsed.template });
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, [...path, i]));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) visit(item, [...path, key]);
    }
  };
  const root = { notification: content.notification, overrides: content.overrides };
  for (const path of TEMPLATED_ROOTS) visit(at(root, path), [...path]);
  return { leaves, readsDevice, settings };
}

/**
 * The content as an empty device with no locale receives it (every `default` taking its
 * fallback): what the push service checks for encodability when the push is accepted.
 */
export function sampleRendering(content: PushContent, compiled: CompiledPersonalization): PushContent {
  const scope: TemplateScope = { device: { id: '', user: '', meta: {} }, l10n: {} };
  return withValues(content, compiled.leaves, compiled.leaves.map((l) => l.template.render(scope)));
}

/** Reads the device's translations the way Centrifugo does: `pt-BR` takes `pt-br`, else `pt`. */
export function translationsFor(localizations: PushPersonalization['localizations'], locale: string | null | undefined): Readonly<Record<string, string>> {
  if (!locale) return EMPTY;
  const tag = locale.trim().toLowerCase().replace(/_/g, '-');
  const full = localizations[tag];
  if (full && Object.hasOwn(localizations, tag)) return full;
  const language = tag.split('-')[0]!;
  return Object.hasOwn(localizations, language) ? localizations[language]! : EMPTY;
}

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

/** What one chunk sends: each distinct rendering encoded once, with the chunk positions it goes to. */
export class PersonalizedSend {
  readonly #groups: readonly SendGroup[];
  readonly #size: number;

  constructor(groups: readonly SendGroup[], size: number) {
    this.#groups = groups;
    this.#size = size;
  }

  /** How many distinct encodings this chunk sends. */
  get encodings(): number {
    return this.#groups.filter((g) => g.encoded).length;
  }

  /** One outcome per target, in the chunk's order; the groups go to the provider at once. */
  async send(sender: PushSender, targets: readonly PushTarget[], signal?: AbortSignal): Promise<Outcome[]> {
    const outcomes = new Array<Outcome>(this.#size);
    await Promise.all(this.#groups.map(async (g) => {
      if (!g.encoded) {
        for (const i of g.indexes) outcomes[i] = { kind: 'rejected', reason: g.error };
        return;
      }
      const got = await sender.send(g.encoded, g.indexes.map((i) => targets[i]!), signal);
      g.indexes.forEach((i, j) => { outcomes[i] = got[j] ?? { kind: 'retry', reason: 'the sender returned no outcome' }; });
    }));
    return outcomes;
  }
}

type SendGroup = { encoded: EncodedPush; indexes: number[] } | { encoded?: undefined; error: string; indexes: number[] };
type Encoding = { encoded: EncodedPush } | { encoded?: undefined; error: string };

/** Sends a chunk whichever way it was prepared. */
export function sendPrepared(sender: PushSender, prepared: EncodedPush | PersonalizedSend, targets: readonly PushTarget[], signal?: AbortSignal): Promise<Outcome[]> {
  return prepared instanceof PersonalizedSend ? prepared.send(sender, targets, signal) : sender.send(prepared, targets, signal);
}


interface PushState {
  compiled: CompiledPersonalization;
  /** Translations picked per device locale, so each locale is resolved once. */
  locales: Map<string, Readonly<Record<string, string>>>;
  /** Rendered strings per translation map, for templates that read no device field. */
  byTranslations: Map<Readonly<Record<string, string>>, string[]>;
  encodings: WeakMap<PushSender, Map<string, Encoding>>;
}

/**
 * Keeps each push's compiled templates and encodings across its chunks. Keyed weakly by the
 * content object, so they live exactly as long as whoever caches the push record keeps it.
 */
export class Personalizer {
  readonly #pushes = new WeakMap<PushContent, PushState>();

  /**
   * The devices of a chunk by id, read in one call; undefined for a push that is not templated,
   * and none read when its templates use neither the device nor its locale.
   */
  async devicesFor(content: PushContent, store: DeviceStore, claimed: readonly ClaimedDelivery[]): Promise<Map<string, DeviceRecord> | undefined> {
    if (!content.personalize) return undefined;
    let compiled: CompiledPersonalization;
    try {
      compiled = this.#state(content).compiled;
    } catch {
      // Reported per delivery by prepare(), where the caller turns it into failed deliveries.
      return new Map();
    }
    if (!compiled.readsDevice && Object.keys(compiled.settings.localizations).length === 0) return new Map();
    const ids = [...new Set(claimed.map((c) => c.deviceId).filter((id): id is string => id !== null))];
    if (ids.length === 0) return new Map();
    const page = await store.list({ ids, limit: ids.length });
    return new Map(page.devices.map((d) => [d.id, d]));
  }

  /** Renders and encodes a chunk of a templated push for `sender`, grouping identical renderings. */
  prepare(content: PushContent, sender: PushSender, claimed: readonly ClaimedDelivery[], devices: ReadonlyMap<string, DeviceRecord>): PersonalizedSend {
    const state = this.#state(content);
    const { compiled } = state;
    let encodings = state.encodings.get(sender);
    if (!encodings) state.encodings.set(sender, (encodings = new Map()));
    const groups = new Map<string, SendGroup>();
    claimed.forEach((c, i) => {
      const device = c.deviceId === null ? undefined : devices.get(c.deviceId);
      const values = this.#render(state, c, device);
      const key = renderingKey(values);
      let group = groups.get(key);
      if (!group) {
        let encoding = encodings.get(key);
        if (!encoding) {
          encoding = encode(sender, content, compiled, values);
          if (encodings.size >= PERSONALIZE_LIMITS.maxEncodings) encodings.clear();
          encodings.set(key, encoding);
        }
        group = encoding.encoded ? { encoded: encoding.encoded, indexes: [] } : { error: encoding.error, indexes: [] };
        groups.set(key, group);
      }
      group.indexes.push(i);
    });
    return new PersonalizedSend([...groups.values()], claimed.length);
  }

  #state(content: PushContent): PushState {
    let state = this.#pushes.get(content);
    if (!state) {
      // Checked when the push was accepted; a template that fails now is reported per delivery by the caller.
      const compiled = compilePersonalization(content, content.personalize ?? { useMeta: false, localizations: {} });
      state = { compiled, locales: new Map(), byTranslations: new Map(), encodings: new WeakMap() };
      this.#pushes.set(content, state);
    }
    return state;
  }

  #render(state: PushState, c: ClaimedDelivery, device: DeviceRecord | undefined): string[] {
    const { compiled } = state;
    const locale = device?.locale ?? '';
    let l10n = state.locales.get(locale);
    if (!l10n) state.locales.set(locale, (l10n = translationsFor(compiled.settings.localizations, locale)));
    if (!compiled.readsDevice) {
      let values = state.byTranslations.get(l10n);
      if (!values) state.byTranslations.set(l10n, (values = renderAll(compiled, { device: NO_DEVICE, l10n })));
      return values;
    }
    // A device removed since routing still has its id; its other fields read as empty.
    const scope: TemplateScope = {
      device: { id: device?.id ?? c.deviceId ?? '', user: device?.user ?? '', meta: compiled.settings.useMeta && device ? device.meta : EMPTY },
      l10n,
    };
    return renderAll(compiled, scope);
  }
}

/**
 * One string per distinct rendering. Length-prefixed, so no value a device holds (its meta is the
 * client's) can make two different renderings share a key, and so one device's payload.
 */
function renderingKey(values: readonly string[]): string {
  if (values.length === 1) return values[0]!;
  let key = '';
  for (const v of values) key += `${v.length}:${v}`;
  return key;
}

const NO_DEVICE: TemplateScope['device'] = Object.freeze({ id: '', user: '', meta: EMPTY });

function renderAll(compiled: CompiledPersonalization, scope: TemplateScope): string[] {
  return compiled.leaves.map((l) => l.template.render(scope));
}

function encode(sender: PushSender, content: PushContent, compiled: CompiledPersonalization, values: readonly string[]): Encoding {
  const size = values.reduce((n, v) => n + v.length, 0);
  if (size > PERSONALIZE_LIMITS.maxRenderedChars) {
    return { error: `the payload rendered for this device is over ${PERSONALIZE_LIMITS.maxRenderedChars} characters` };
  }
  try {
    return { encoded: sender.encode(withValues(content, compiled.leaves, values)) };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { error: `the payload rendered for this device cannot be sent: ${why}` };
  }
}

/**
 * The content with each template replaced by its rendering. Only the objects on the way to a
 * template are copied; everything else is shared with the stored content.
 */
function withValues(content: PushContent, leaves: readonly Leaf[], values: readonly string[]): PushContent {
  const root: Record<string, unknown> = { notification: content.notification, overrides: content.overrides };
  const copies = new Set<unknown>([root]);
  leaves.forEach((leaf, n) => {
    let parent = root as Record<string | number, unknown>;
    for (let i = 0; i < leaf.path.length - 1; i += 1) {
      const key = leaf.path[i]!;
      let child = parent[key];
      if (!copies.has(child)) {
        child = Array.isArray(child) ? [...child] : { ...(child as object) };
        copies.add(child);
        parent[key] = child;
      }
      parent = child as Record<string | number, unknown>;
    }
    parent[leaf.path[leaf.path.length - 1]!] = values[n];
  });
  const { personalize: _, ...rest } = content;
  return { ...rest, notification: root.notification as PushContent['notification'], overrides: root.overrides as PushContent['overrides'] };
}

function at(root: unknown, path: LeafPath): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/** `['overrides','fcm','message','android','notification','title']` → `fcm.message.android.notification.title`. */
function fieldName(path: readonly (string | number)[]): string {
  const parts = path[0] === 'overrides' ? path.slice(1) : path;
  return parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** The settings as stored: language tags lowercased with `-`, as device locales are looked up. */
export function normalizePersonalization(settings: PushPersonalization): PushPersonalization {
  const localizations: Record<string, Record<string, string>> = {};
  for (const [tag, translations] of Object.entries(settings.localizations)) {
    localizations[tag.trim().toLowerCase().replace(/_/g, '-')] = { ...translations };
  }
  return { useMeta: settings.useMeta, localizations };
}
