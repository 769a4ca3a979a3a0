import { readFileSync } from 'node:fs';
import type { TSchema } from '@sinclair/typebox';
import { Errors } from '@sinclair/typebox/errors';
import { Check, Default } from '@sinclair/typebox/value';
import { isScalar, parseDocument, type Document } from 'yaml';
import { parseHumanDuration, parseSize } from '../util/durations.js';
import { parseS3Url } from '../util/s3-url.js';
import { parseLogLevelOverride } from '../util/log-level-overrides.js';
import { ConfigError, type ConfigSource, type ConfigViolation } from './config-error.js';
import { deepFreeze } from './deep-freeze.js';
import {
  aliasesOf,
  formatDuration,
  formatSize,
  KEYS_BY_ENV,
  KEYS_BY_KEBAB,
  NTFY_KEY_RENAMES,
  NTFY_ONLY_KEYS,
  schemaOf,
  toKebab,
  type ConfigKeyInfo,
} from './keys.js';
import { DEFAULT_CONFIG, type Config, type ConfigKeyName } from './schema.js';

export interface LoadConfigOptions {
  /** YAML file to read, such as an existing ntfy `server.yml`. Missing or unparseable is an error. */
  file?: string;
  /** Where `HERALD_*` variables are read from; `process.env` when omitted. */
  env?: NodeJS.ProcessEnv;
  /**
   * Command-line values keyed by kebab-case name without dashes (`{ 'listen-http': ':9090' }`).
   * `undefined` means "not given"; a bare boolean flag is `true`. `config` is skipped, since it
   * names the file rather than an option.
   */
  flags?: Record<string, string | boolean | undefined>;
}

export interface LoadedConfig {
  /** Deep-frozen. */
  config: Config;
  /** Things that were ignored but deserve the operator's attention, e.g. ntfy-only options. */
  warnings: string[];
}

interface Origin {
  source: ConfigSource;
  name: string;
  file?: string;
}

/** One value for one key, as found in one source. */
interface Setting {
  key: ConfigKeyInfo;
  raw: unknown;
  origin: Origin;
  /** Set when the same source already gave this key under another spelling. */
  duplicateOf?: string;
}

type Outcome = { ok: true; value: unknown } | { ok: false; expected: string };

/** Keys whose values are secrets. */
const SECRET_KEYS: ReadonlySet<ConfigKeyName> = new Set(['subscriberTokenSecrets', 'webPushPrivateKey', 'smtpSenderPass', 'twilioAuthToken', 'webhookSecrets', 'databaseUrl', 'redisUrl', 'attachmentS3Url']);

const ok = (value: unknown): Outcome => ({ ok: true, value });
const fail = (expected: string): Outcome => ({ ok: false, expected });

// Variables under our prefix that the CLI and the test helpers read for themselves.
// HERALD_SERVER, _KEY, _USER, _PASSWORD and _TOKEN belong to the client commands (publish,
// subscribe, push, user add), which may well share a shell with the server.
const ENV_NOT_OPTIONS = new Set(['HERALD_CONFIG', 'HERALD_CONFIG_FILE', 'HERALD_SERVER', 'HERALD_KEY', 'HERALD_USER', 'HERALD_PASSWORD', 'HERALD_TOKEN']);
const ENV_NOT_OPTIONS_PREFIX = 'HERALD_TEST_';

/**
 * Builds the configuration from defaults, then the YAML file, then `HERALD_*` environment
 * variables, then flags, each overriding the one before. Every problem in every source is
 * collected and thrown together as one {@link ConfigError}.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const problems: ConfigViolation[] = [];
  const warnings: string[] = [];
  const settings = [
    ...(options.file === undefined ? [] : readFile(options.file, problems, warnings)),
    ...readEnv(options.env ?? process.env, warnings),
    ...readFlags(options.flags ?? {}, problems),
  ];

  const draft = structuredClone(DEFAULT_CONFIG) as Record<ConfigKeyName, unknown>;
  for (const { key, raw, origin, duplicateOf } of settings) {
    const outcome =
      duplicateOf === undefined ? resolve(key, raw) : fail(`'${key.kebab}' to be set once, but '${duplicateOf}' sets it too`);
    if (outcome.ok) draft[key.name] = outcome.value;
    // Secrets, and provider entries that hold them, are named in a problem but never echoed.
    else problems.push({ ...origin, ...(key.kind === 'objects' || SECRET_KEYS.has(key.name) ? {} : { value: raw }), expected: outcome.expected });
  }
  chooseAttachmentStore(draft, settings, problems);
  checkListeners(draft, settings, problems);
  checkWebPushExpiry(draft, settings, problems);
  // ntfy adds configured names to its built-in ones: the routes behind them exist regardless.
  draft.disallowedTopics = [...new Set([...DEFAULT_CONFIG.disallowedTopics, ...(draft.disallowedTopics as string[])])];

  if (problems.length > 0) throw new ConfigError(problems);
  return { config: deepFreeze(draft as Config), warnings };
}

function readFile(path: string, problems: ConfigViolation[], warnings: string[]): Setting[] {
  const fileProblem = (expected: string, value?: unknown) =>
    problems.push({ source: 'file', name: path, file: path, expected, ...(value === undefined ? {} : { value }) });

  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    fileProblem(`a readable config file (${(err as Error).message})`);
    return [];
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    // The first line already says where; the code frame after it would break up the list.
    for (const error of doc.errors) fileProblem(`valid YAML (${error.message.split('\n')[0].replace(/:$/, '')})`);
    return [];
  }
  for (const warning of doc.warnings) warnings.push(`${path}: ${warning.message}`);

  const data: unknown = doc.toJS();
  if (data === null || data === undefined) return [];
  if (typeof data !== 'object' || Array.isArray(data)) {
    fileProblem('a YAML mapping of option names to values', data);
    return [];
  }

  const settings: Setting[] = [];
  const seen = new Map<ConfigKeyName, string>();
  for (const [name, raw] of Object.entries(data)) {
    // `key:` with nothing after it is how ntfy's sample file leaves an option unset.
    if (raw === null) continue;
    const kebab = name.replaceAll('_', '-');
    const renamed = NTFY_KEY_RENAMES.get(kebab);
    const key = KEYS_BY_KEBAB.get(renamed === undefined ? kebab : toKebab(renamed));
    if (key === undefined) {
      const why = NTFY_ONLY_KEYS.get(kebab);
      warnings.push(
        why !== undefined
          ? `${path}: '${name}' is an ntfy option Herald does not use (ignored): ${why}`
          : `${path}: unknown option '${name}'; ignored`,
      );
      continue;
    }
    const setting: Setting = { key, raw: key.kind === 'mode' ? sourceText(doc, name, raw) : raw, origin: { source: 'file', name, file: path } };
    const earlier = seen.get(key.name);
    if (earlier === undefined) seen.set(key.name, name);
    else setting.duplicateOf = earlier;
    settings.push(setting);
  }
  return settings;
}

/**
 * A file mode as written, not as YAML 1.2 reads it: `0660` is the decimal 660 to the parser, but
 * ntfy's YAML 1.1 parser (and every operator) means the octal mode.
 */
function sourceText(doc: Document, name: string, raw: unknown): unknown {
  const node = doc.get(name, true);
  return isScalar(node) && typeof node.source === 'string' ? node.source : raw;
}

function readEnv(env: NodeJS.ProcessEnv, warnings: string[]): Setting[] {
  const settings: Setting[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('HERALD_') || raw === undefined) continue;
    const key = KEYS_BY_ENV.get(name);
    if (key === undefined) {
      if (!ENV_NOT_OPTIONS.has(name) && !name.startsWith(ENV_NOT_OPTIONS_PREFIX)) {
        warnings.push(`unknown environment variable ${name}; ignored`);
      }
      continue;
    }
    // Compose files often pass `HERALD_X=${X}` through unset; for text and lists empty is a real value.
    if (raw.trim() === '' && key.kind !== 'string' && key.kind !== 'list') continue;
    settings.push({ key, raw, origin: { source: 'env', name } });
  }
  return settings;
}

/**
 * Flags, unlike file keys, are refused when unknown: a server.yml carried over from ntfy may hold
 * options Herald skips, but a flag was typed for this program and a typo should not pass silently.
 */
function readFlags(flags: Record<string, string | boolean | undefined>, problems: ConfigViolation[]): Setting[] {
  const settings: Setting[] = [];
  for (const [name, raw] of Object.entries(flags)) {
    if (raw === undefined || name === 'config') continue;
    const key = KEYS_BY_KEBAB.get(name);
    if (key === undefined) {
      problems.push({ source: 'flag', name: `--${name}`, expected: NTFY_ONLY_KEYS.has(name) ? `an option Herald supports (this one is ntfy-only: ${NTFY_ONLY_KEYS.get(name)})` : 'a known option (see herald serve --help)' });
      continue;
    }
    settings.push({ key, raw, origin: { source: 'flag', name: `--${name}` } });
  }
  return settings;
}

/**
 * Attachments live in one place: `attachment-s3-url`, when set, replaces the directory, so the
 * directory's default is cleared; a directory the operator named as well is a problem.
 */
function chooseAttachmentStore(draft: Record<ConfigKeyName, unknown>, settings: readonly Setting[], problems: ConfigViolation[]): void {
  if (draft.attachmentS3Url === '') return;
  const named = settings.filter((s) => s.key.name === 'attachmentCacheDir').at(-1);
  if (named && draft.attachmentCacheDir !== '') {
    problems.push({ ...named.origin, value: named.raw, expected: 'no attachment directory while attachment-s3-url is set: attachments are kept in one place, so unset one of the two (or set attachment-cache-dir to "")' });
    return;
  }
  draft.attachmentCacheDir = '';
}

/**
 * ntfy turns HTTP off with `listen-http: "-"`, for a server reached only through HTTPS or the
 * Unix socket; something must still be listening.
 */
function checkListeners(draft: Record<ConfigKeyName, unknown>, settings: readonly Setting[], problems: ConfigViolation[]): void {
  if (draft.listenHttp !== '' || draft.listenHttps !== '' || draft.listenUnix !== '') return;
  const named = settings.filter((s) => s.key.name === 'listenHttp').at(-1);
  if (named) problems.push({ ...named.origin, value: named.raw, expected: 'a listen address, since neither listen-https nor listen-unix is set (the server would listen nowhere)' });
}

/** ntfy refuses a warning that would come after the removal it announces. */
function checkWebPushExpiry(draft: Record<ConfigKeyName, unknown>, settings: readonly Setting[], problems: ConfigViolation[]): void {
  const warnAfter = draft.webPushExpiryWarningDuration as number;
  const expireAfter = draft.webPushExpiryDuration as number;
  if (warnAfter === 0 || expireAfter === 0 || warnAfter < expireAfter) return;
  const named = settings.filter((s) => s.key.name === 'webPushExpiryWarningDuration' || s.key.name === 'webPushExpiryDuration').at(-1);
  const origin = named?.origin ?? { source: 'file' as const, name: 'web-push-expiry-warning-duration' };
  problems.push({ ...origin, ...(named ? { value: named.raw } : {}), expected: `web-push-expiry-warning-duration (${formatDuration(warnAfter)}) shorter than web-push-expiry-duration (${formatDuration(expireAfter)}), or either of them 0` });
}

/** Raw value → stored value, or what was expected instead. */
function resolve(key: ConfigKeyInfo, raw: unknown): Outcome {
  const coerced = coerce(key, raw);
  if (!coerced.ok) return coerced;
  const refine = REFINERS[key.name];
  const refined = refine === undefined ? coerced : refine(coerced.value);
  if (!refined.ok) return refined;
  const schema = schemaOf(key.name);
  return Check(schema, refined.value) ? refined : fail(describeBounds(key, schema, refined.value));
}

function coerce(key: ConfigKeyInfo, raw: unknown): Outcome {
  switch (key.kind) {
    case 'string':
      return typeof raw === 'string' ? ok(raw) : fail('a string');
    case 'boolean':
      return toBoolean(raw);
    case 'integer':
      return toInteger(raw);
    case 'duration':
      return toDuration(raw);
    case 'size':
      return toSize(raw);
    case 'enum':
      return toEnum(key, raw);
    case 'list':
      return toList(raw);
    case 'objects':
      return toObjects(key, raw);
    case 'mode':
      return toMode(raw);
  }
}

/** Octal as chmod takes it: `0660`, `660`, `0o660`; empty is "not set" (0). */
function toMode(raw: unknown): Outcome {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : undefined;
  if (text === '') return ok(0);
  const digits = text === undefined ? undefined : /^(?:0o?)?([0-7]{1,3})$/i.exec(text)?.[1];
  return digits === undefined ? fail('an octal file mode such as 0660 or 0600') : ok(parseInt(digits, 8));
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

function toBoolean(raw: unknown): Outcome {
  if (typeof raw === 'boolean') return ok(raw);
  // YAML 1.1 (ntfy's Go parser) reads yes/no/on/off as booleans; YAML 1.2 leaves them strings.
  const word = typeof raw === 'string' || typeof raw === 'number' ? String(raw).trim().toLowerCase() : undefined;
  if (word !== undefined && TRUE_WORDS.has(word)) return ok(true);
  if (word !== undefined && FALSE_WORDS.has(word)) return ok(false);
  return fail('true or false');
}

function toInteger(raw: unknown): Outcome {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? ok(n) : fail('a whole number, 0 or more');
}

const DURATION_EXAMPLE = 'a duration such as 45s, 1h30m or 3d (a plain number is seconds)';

function toDuration(raw: unknown): Outcome {
  let ms: number | undefined;
  if (typeof raw === 'number') ms = raw * 1000;
  else if (typeof raw === 'string') {
    const s = raw.trim();
    ms = /^\d+(\.\d+)?$/.test(s) ? Number(s) * 1000 : parseHumanDuration(s);
  }
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return fail(DURATION_EXAMPLE);
  // Go durations can be finer than a millisecond ("500us"); timers cannot.
  return ok(Math.round(ms));
}

function toSize(raw: unknown): Outcome {
  const bytes = typeof raw === 'number' || typeof raw === 'string' ? parseSize(raw) : undefined;
  return bytes === undefined ? fail('a size such as 4096, 100k, 15M or 5G') : ok(bytes);
}

function toEnum(key: ConfigKeyInfo, raw: unknown): Outcome {
  const values = key.values ?? [];
  const expected = `one of ${values.join(', ')}`;
  if (typeof raw !== 'string') return fail(expected);
  const word = raw.trim().toLowerCase();
  const value = aliasesOf(key.name)[word] ?? word;
  return values.includes(value) ? ok(value) : fail(expected);
}

function toList(raw: unknown): Outcome {
  // ntfy writes host lists as one comma-separated string, so YAML gets both forms.
  const items = typeof raw === 'string' ? raw.split(',') : raw;
  if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
    return fail('a list of strings, or one comma-separated string');
  }
  return ok(items.map((item: string) => item.trim()).filter((item) => item !== ''));
}

/**
 * A list of mappings: from YAML as is, from the environment or a flag as JSON. Entry keys are read
 * in kebab, snake or camel case; defaults of the entry schema fill what is left out, and every
 * problem names the entry and the field.
 */
function toObjects(key: ConfigKeyInfo, raw: unknown): Outcome {
  let items = raw;
  if (typeof raw === 'string') {
    try {
      items = JSON.parse(raw);
    } catch {
      return fail('a JSON list of objects');
    }
  }
  if (!Array.isArray(items)) return fail('a list of mappings');
  const itemSchema = schemaOf(key.name).items as TSchema;
  const out: unknown[] = [];
  const names = new Set<string>();
  for (const [index, item] of items.entries()) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return fail(`entry ${index + 1} to be a mapping`);
    const entry: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(item as Record<string, unknown>)) {
      entry[field.replace(/[-_]([a-z0-9])/g, (_m, c: string) => c.toUpperCase())] = value;
    }
    const filled = Default(itemSchema, entry);
    if (!Check(itemSchema, filled)) {
      const first = [...Errors(itemSchema, filled)][0];
      const field = first?.path.replace(/^\//, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`) || 'entry';
      const why = first === undefined ? 'is invalid'
        : /required property/i.test(first.message) ? 'is required'
        : /unexpected property/i.test(first.message) ? 'is not a known field'
        : first.message.toLowerCase();
      return fail(`entry ${index + 1}: ${field} ${why}`);
    }
    const name = (filled as { name?: string }).name ?? '';
    if (names.has(name)) return fail(`entry names to be unique, but '${name}' appears twice`);
    names.add(name);
    out.push(filled);
  }
  return ok(out);
}

/** Per-key checks and normalisation beyond what the kind and the schema express. */
const REFINERS: Partial<Record<ConfigKeyName, (value: unknown) => Outcome>> = {
  // `-` is ntfy's way to turn HTTP off; empty does the same here.
  listenHttp: (value) => (['', '-'].includes((value as string).trim()) ? ok('') : checkListenAddress(value as string)),
  listenHttps: (value) => ((value as string).trim() === '' ? ok('') : checkListenAddress(value as string)),
  smtpServerListen: (value) => ((value as string).trim() === '' ? ok('') : checkListenAddress(value as string)),
  baseUrl: (value) => checkHttpUrl(value as string),
  upstreamBaseUrl: (value) => checkHttpUrl(value as string),
  webRoot: (value) => ok(normalizeWebRoot(value as string)),
  subscriberTokenSecrets: (value) => ((value as string[]).every((v) => v.length >= 32) ? ok(value) : fail('secrets of 32 or more characters each')),
  webPushEmailAddress: (value) => {
    const contact = (value as string).trim();
    if (contact === '' || /^(mailto:|https:\/\/)/.test(contact)) return ok(contact);
    return contact.includes('@') ? ok(`mailto:${contact}`) : fail('an e-mail address, a mailto: URL or an https: URL');
  },
  cacheBatchSize: (value) => ok(value === 0 ? 1 : value),
  logLevelOverrides: (value) => ((value as string[]).every((entry) => parseLogLevelOverride(entry) !== undefined)
    ? ok(value)
    : fail('entries "field=value -> level" or "field -> level", level one of trace, debug, info, warn, error')),
  attachmentS3Url: (value) => {
    const text = (value as string).trim();
    if (text === '') return ok('');
    const parsed = parseS3Url(text);
    return parsed.ok ? ok(text) : fail(parsed.expected);
  },
};

const LISTEN_ADDRESS = /^(?:\[[0-9A-Za-z:.%]+\]|[0-9A-Za-z.-]*):(\d{1,5})$/;

function checkListenAddress(address: string): Outcome {
  const port = LISTEN_ADDRESS.exec(address.trim())?.[1];
  return port !== undefined && Number(port) <= 65535
    ? ok(address.trim())
    : fail('[host]:port, e.g. :8080, 127.0.0.1:8080 or [::1]:8080');
}

function checkHttpUrl(text: string): Outcome {
  const url = text.trim().replace(/\/+$/, '');
  if (url === '') return ok('');
  let protocol: string | undefined;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = undefined;
  }
  return protocol === 'http:' || protocol === 'https:'
    ? ok(url)
    : fail('an http:// or https:// URL, e.g. https://ntfy.example.com');
}

function normalizeWebRoot(root: string): string {
  const trimmed = root.trim();
  // ntfy's older spellings, still found in existing server.yml files.
  if (trimmed === 'app') return '/';
  if (trimmed === 'home') return '/app';
  if (trimmed === '' || trimmed === 'disable') return 'disable';
  const path = trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
  return path.length > 1 ? path.replace(/\/+$/, '') || '/' : path;
}

/** Words for the schema's bounds, in the units the user writes. */
function describeBounds(key: ConfigKeyInfo, schema: TSchema, value: unknown): string {
  const unit = key.kind === 'duration' ? formatDuration : key.kind === 'size' ? formatSize : String;
  const render = (n: number) => (n === 0 ? '0' : unit(n));
  const noun = { duration: 'a duration', size: 'a size', integer: 'a whole number' }[key.kind as string];
  if (noun !== undefined) {
    // Coercion already refused negatives, so "at least 0" would only add noise.
    const bounds: string[] = [];
    if (typeof schema.exclusiveMinimum === 'number') bounds.push(`above ${render(schema.exclusiveMinimum)}`);
    if (typeof schema.minimum === 'number' && schema.minimum > 0) bounds.push(`at least ${render(schema.minimum)}`);
    if (typeof schema.maximum === 'number') bounds.push(`at most ${render(schema.maximum)}`);
    return `${noun} ${bounds.join(' and ')}`;
  }
  if (key.kind === 'list' && typeof schema.items?.pattern === 'string') {
    return `entries matching ${schema.items.pattern}`;
  }
  if (key.kind === 'string' && typeof schema.minLength === 'number') return 'a non-empty string';
  // Only reached if a schema constraint is added without words here; TypeBox's own are fine.
  return [...Errors(schema, value)].map((error) => error.message).join('; ');
}
