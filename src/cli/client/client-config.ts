import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The client config file of `herald publish` and `herald subscribe`, in the shape of ntfy's
 * client.yml, so an existing one works as is:
 *
 * ```yaml
 * default-host: https://herald.example.com
 * default-token: tk_...            # or default-user + default-password
 * default-command: 'notify-send "$m"'
 * subscribe:
 *   - topic: alerts
 *     command: /usr/local/bin/on-alert.sh
 *     if: { priority: 'high,urgent' }
 *   - topic: other.example.com/backups
 *     user: phil
 *     password: secret
 * ```
 *
 * A field left out means "use the default"; `token: ""` (or `user: ""` with `password: ""`) on a
 * subscription means "send no credentials", as in ntfy.
 */
export interface ClientConfig {
  /** The file it came from; undefined when there is none (all defaults). */
  file: string | undefined;
  defaultHost: string | undefined;
  defaultUser: string | undefined;
  defaultPassword: string | undefined;
  defaultToken: string | undefined;
  defaultCommand: string | undefined;
  subscribe: SubscriptionEntry[];
}

export interface SubscriptionEntry {
  /** A topic, a comma list of topics, or a URL naming the server too (`host/topic`). */
  topic: string;
  user: string | undefined;
  password: string | undefined;
  token: string | undefined;
  command: string | undefined;
  /** Filters sent as query parameters: priority, tags, title, message, id. */
  if: Record<string, string>;
}

/** A client config that cannot be used: exit status 2, naming the file. */
export class ClientConfigError extends Error {}

const TOP_LEVEL = ['default-host', 'default-user', 'default-password', 'default-token', 'default-command', 'subscribe'] as const;
const ENTRY_FIELDS = ['topic', 'user', 'password', 'token', 'command', 'if'] as const;
/** The filters ntfy's `if:` accepts, each a query parameter of the subscribe endpoints. */
export const FILTERS = ['priority', 'tags', 'title', 'message', 'id'] as const;

/**
 * Where the client config is looked for when `-c` names none: the user's own
 * (`$XDG_CONFIG_HOME/herald/client.yml`, else `~/.config/herald/client.yml`), then the system's
 * (`/etc/herald/client.yml`, what a service running as root reads).
 */
export function defaultClientConfigFiles(env: NodeJS.ProcessEnv): string[] {
  const base = env.XDG_CONFIG_HOME || (env.HOME ? join(env.HOME, '.config') : undefined);
  return [...(base ? [join(base, 'herald', 'client.yml')] : []), '/etc/herald/client.yml'];
}

const EMPTY: ClientConfig = { file: undefined, defaultHost: undefined, defaultUser: undefined, defaultPassword: undefined, defaultToken: undefined, defaultCommand: undefined, subscribe: [] };

/**
 * Reads the named file (which must exist), or the first default one that exists, or nothing.
 * Unknown keys are reported through `warn` and skipped, as ntfy's client skips them.
 */
export async function loadClientConfig(named: string | undefined, env: NodeJS.ProcessEnv, warn: (message: string) => void): Promise<ClientConfig> {
  const file = named ?? defaultClientConfigFiles(env).find((path) => existsSync(path));
  if (file === undefined) return EMPTY;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ClientConfigError(`cannot read client config ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  // Loaded only when there is a file: most calls have none and should not pay for a YAML parser.
  const { parseDocument } = await import('yaml');
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new ClientConfigError(`${file}: invalid YAML (${doc.errors[0]!.message.split('\n')[0]})`);
  return readClientConfig(doc.toJS() as unknown, file, warn);
}

/** Checks the parsed YAML of a client config and returns it in Herald's shape. */
export function readClientConfig(data: unknown, file: string, warn: (message: string) => void): ClientConfig {
  const fail = (what: string): never => {
    throw new ClientConfigError(`${file}: ${what}`);
  };
  if (data === null || data === undefined) return { ...EMPTY, file };
  if (!isMapping(data)) return fail('expected a mapping of option names to values');
  for (const key of Object.keys(data)) {
    if (!(TOP_LEVEL as readonly string[]).includes(key.replaceAll('_', '-'))) warn(`${file}: unknown option '${key}'; ignored`);
  }
  const field = (key: string) => data[key] ?? data[key.replaceAll('-', '_')];
  const list = field('subscribe') ?? [];
  if (!Array.isArray(list)) return fail("'subscribe' must be a list of subscriptions");
  const subscribe = list.map((item: unknown, index): SubscriptionEntry => {
    const where = `subscribe entry ${index + 1}`;
    if (!isMapping(item)) return fail(`${where} must be a mapping`);
    for (const key of Object.keys(item)) {
      if (!(ENTRY_FIELDS as readonly string[]).includes(key)) warn(`${file}: ${where}: unknown field '${key}'; ignored`);
    }
    const topic = text(item.topic, `${where}: topic`, fail);
    if (!topic) return fail(`${where}: topic is required`);
    const filters = item.if ?? {};
    if (!isMapping(filters)) return fail(`${where}: 'if' must be a mapping of filters (${FILTERS.join(', ')})`);
    const conditions: Record<string, string> = {};
    for (const [name, value] of Object.entries(filters)) {
      if (!(FILTERS as readonly string[]).includes(name)) return fail(`${where}: unknown filter '${name}' (known: ${FILTERS.join(', ')})`);
      conditions[name] = Array.isArray(value) ? value.map(String).join(',') : text(value, `${where}: if.${name}`, fail) ?? '';
    }
    return {
      topic,
      user: text(item.user, `${where}: user`, fail),
      password: text(item.password, `${where}: password`, fail),
      token: text(item.token, `${where}: token`, fail),
      command: text(item.command, `${where}: command`, fail),
      if: conditions,
    };
  });
  return {
    file,
    defaultHost: text(field('default-host'), 'default-host', fail),
    defaultUser: text(field('default-user'), 'default-user', fail),
    defaultPassword: text(field('default-password'), 'default-password', fail),
    defaultToken: text(field('default-token'), 'default-token', fail),
    defaultCommand: text(field('default-command'), 'default-command', fail),
    subscribe,
  };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string field; YAML numbers and booleans (`password: 1234`) are read as the text they were. */
function text(value: unknown, what: string, fail: (what: string) => never): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return fail(`${what} must be a string`);
}
