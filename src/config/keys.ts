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
    default:
      return String(value);
  }
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
 * Options of ntfy 2.x that Herald does not implement. Seeing one in a server.yml is expected
 * when migrating, so it earns a warning rather than an error.
 */
export const NTFY_ONLY_KEYS: ReadonlySet<string> = new Set([
  'listen-unix',
  'listen-unix-mode',
  'firebase-key-file',
  'cache-startup-queries',
  'auth-startup-queries',
  'auth-stats-queue-writer-interval',
  'stripe-key',
  'stripe-secret-key',
  'stripe-webhook-key',
  'billing-contact',
  'metrics-listen-http',
  'profile-listen-http',
  'log-level-overrides',
  'web-push-file',
  'web-push-subscriptions-file',
  'web-push-startup-queries',
  'web-push-expiry-duration',
  'web-push-expiry-warning-duration',
  'database-replica-urls',
  'smtp-sender-verify',
]);
