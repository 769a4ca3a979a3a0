import type { TSchema } from '@sinclair/typebox';
import {
  ALIASES_ANNOTATION,
  ConfigSchema,
  DEFAULT_CONFIG,
  KIND_ANNOTATION,
  type ConfigKeyName,
  type ConfigKind,
} from './schema.js';

/** One row of the option table that the README and `herald serve --help` print. */
export interface ConfigKeyInfo {
  /** camelCase property of `Config`, e.g. `listenHttp`. */
  readonly name: ConfigKeyName;
  /** YAML key and flag name (without dashes), e.g. `listen-http`. `listen_http` is read as well. */
  readonly kebab: string;
  /** Environment variable, e.g. `HERALD_LISTEN_HTTP`. */
  readonly env: string;
  readonly kind: ConfigKind;
  /** The default as it would be written in YAML: `12h`, `15M`, `docs,static,...`. */
  readonly default: string;
  /** One line, lower case, no full stop. */
  readonly description: string;
  /** For `kind: 'enum'`, the accepted values (aliases excluded). */
  readonly values?: readonly string[];
}

const DURATION_UNITS: readonly [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];
const SIZE_UNITS: readonly [string, number][] = [
  ['G', 1024 ** 3],
  ['M', 1024 ** 2],
  ['k', 1024],
];

/** Renders milliseconds in the largest unit that divides them exactly: 43200000 → `12h`. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of DURATION_UNITS) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** Renders bytes in the largest binary unit that divides them exactly: 15728640 → `15M`. */
export function formatSize(bytes: number): string {
  for (const [unit, size] of SIZE_UNITS) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

function formatDefault(kind: ConfigKind, value: unknown): string {
  switch (kind) {
    case 'duration':
      return formatDuration(value as number);
    case 'size':
      return formatSize(value as number);
    case 'list':
      return (value as readonly string[]).join(',');
    case 'objects':
      return (value as readonly unknown[]).length === 0 ? '[]' : JSON.stringify(value);
    case 'mode':
      return formatMode(value as number);
    default:
      return String(value);
  }
}

/** A file mode as it is written: 432 → `0660`; 0 (not set) → empty. */
export function formatMode(mode: number): string {
  return mode === 0 ? '' : `0${mode.toString(8).padStart(3, '0')}`;
}

/** `listenHttp` → `listen-http`. */
export function toKebab(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The property schema of one key. */
export function schemaOf(name: ConfigKeyName): TSchema {
  return ConfigSchema.properties[name];
}

/** Other spellings an enum key accepts, mapped to the stored value. */
export function aliasesOf(name: ConfigKeyName): Readonly<Record<string, string>> {
  return (schemaOf(name)[ALIASES_ANNOTATION] as Record<string, string> | undefined) ?? {};
}

function describeKey(name: ConfigKeyName): ConfigKeyInfo {
  const schema = schemaOf(name);
  const kind = schema[KIND_ANNOTATION] as ConfigKind;
  const kebab = toKebab(name);
  const info: ConfigKeyInfo = {
    name,
    kebab,
    env: `HERALD_${kebab.toUpperCase().replaceAll('-', '_')}`,
    kind,
    default: formatDefault(kind, DEFAULT_CONFIG[name]),
    description: String(schema.description),
  };
  if (kind !== 'enum') return info;
  const values = (schema.anyOf as { const: string }[]).map((literal) => literal.const);
  return { ...info, values };
}

/** Every option Herald reads, in schema order. */
export const CONFIG_KEYS: readonly ConfigKeyInfo[] = Object.freeze(
  (Object.keys(ConfigSchema.properties) as ConfigKeyName[]).map((name) => Object.freeze(describeKey(name))),
);

export const KEYS_BY_KEBAB: ReadonlyMap<string, ConfigKeyInfo> = new Map(CONFIG_KEYS.map((k) => [k.kebab, k]));
export const KEYS_BY_ENV: ReadonlyMap<string, ConfigKeyInfo> = new Map(CONFIG_KEYS.map((k) => [k.env, k]));

/** ntfy's names for options Herald reads under another name (YAML only). */
export const NTFY_KEY_RENAMES: ReadonlyMap<string, ConfigKeyName> = new Map([['proxy-trusted-addresses', 'proxyTrustedHosts']]);

/**
 * Options of ntfy 2.x that Herald does not act on, each with what a migrating operator should
 * know: why it is not needed or not possible here, and what to use instead. Seeing one in a
 * server.yml is expected when migrating, so it earns a warning (with that text) rather than an
 * error. docs/ntfy-migration.md carries the same table for readers.
 */
export const NTFY_ONLY_KEYS: ReadonlyMap<string, string> = new Map([
  ['firebase-key-file', "it wakes ntfy's own Android app through ntfy's Firebase project, which a self-hosted server cannot use; the Android app keeps its own connection (or uses UnifiedPush), and iOS is served through upstream-base-url. For your own apps, configure fcm (service-account-file) and register devices with /v1/devices"],
  ['cache-startup-queries', "it runs SQL against ntfy's cache schema, which Herald does not have; for the durability trade-off it was mostly used for, set cache-sync"],
  ['auth-startup-queries', "it runs SQL against ntfy's user database, which Herald does not have; Herald tunes its own database connections (WAL, busy timeout)"],
  ['auth-stats-queue-writer-interval', "ntfy batches per-user usage counters through it; Herald keeps those counters in the rate-limit counters (in memory, or shared on Redis with redis-url), so there is nothing to batch"],
  ['stripe-key', 'payments are out of scope; tiers exist without prices: herald tier add, herald user change-tier'],
  ['stripe-secret-key', 'payments are out of scope; tiers exist without prices: herald tier add, herald user change-tier'],
  ['stripe-webhook-key', 'payments are out of scope; tiers exist without prices: herald tier add, herald user change-tier'],
  ['billing-contact', 'payments are out of scope; tiers exist without prices: herald tier add, herald user change-tier'],
  ['profile-listen-http', "it serves Go's profiler; profile Herald with Node's own tools instead: NODE_OPTIONS=--cpu-prof or --inspect=127.0.0.1:9229 on herald serve"],
  ['web-push-file', 'Herald keeps Web Push subscriptions in its own database with the devices (database-file, or database-url on PostgreSQL); nothing to set. Browsers keep their subscriptions when the VAPID keys carry over'],
  ['web-push-subscriptions-file', 'Herald keeps Web Push subscriptions in its own database with the devices (database-file, or database-url on PostgreSQL); nothing to set'],
  ['web-push-startup-queries', "it runs SQL against ntfy's Web Push database; Herald keeps the subscriptions in its own database (database-file, or database-url on PostgreSQL) and tunes its connections itself"],
  ['database-replica-urls', 'Herald sends every query to database-url; spread the load by running several Herald processes against it (redis-url for the bus), or put a pooler in front of PostgreSQL'],
  ['smtp-sender-verify', 'ntfy then sends e-mail notifications only to addresses the account has verified; Herald has no e-mail verification flow, so X-Email goes to any address. Require login on the topics that may send e-mail (auth-default-access, auth-access), or leave smtp-sender-addr unset'],
]);
