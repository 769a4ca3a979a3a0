import type { CliIo } from '../io.js';
import { promptHidden } from '../prompt.js';
import type { ClientConfig, SubscriptionEntry } from './client-config.js';
import { UsageError } from './target.js';

/** What a request authenticates with: nothing, a user and password, or an access token. */
export type Credentials =
  | { kind: 'none' }
  | { kind: 'basic'; user: string; password: string }
  | { kind: 'bearer'; token: string };

export const NO_CREDENTIALS: Credentials = { kind: 'none' };

/** The Authorization header for the credentials, if any. */
export function authorizationHeader(credentials: Credentials): string | undefined {
  switch (credentials.kind) {
    case 'none':
      return undefined;
    case 'basic':
      return `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;
    case 'bearer':
      return `Bearer ${credentials.token}`;
  }
}

/**
 * The credentials of `publish` and `subscribe`, first found wins: `-k TOKEN` or `-u USER[:PASS]`,
 * then `$HERALD_TOKEN` or `$HERALD_USER` (`user:pass`, or `user` with `$HERALD_PASSWORD`), then
 * the client config's `default-token`, then its `default-user` with `default-password`. A user
 * without a password gets `$HERALD_PASSWORD`, else a prompt at a terminal.
 */
export async function resolveCredentials(flags: { user?: string | undefined; token?: string | undefined }, io: CliIo, config: ClientConfig): Promise<Credentials> {
  if (flags.user !== undefined && flags.token !== undefined) throw new UsageError('give either --user or --token, not both');
  if (flags.token !== undefined) return bearer(flags.token, '--token');
  if (flags.user !== undefined) return basic(flags.user, io, '--user');
  const { HERALD_TOKEN: envToken, HERALD_USER: envUser } = io.env;
  if (envToken && envUser) throw new UsageError('HERALD_USER and HERALD_TOKEN are both set; unset one of them');
  if (envToken) return bearer(envToken, 'HERALD_TOKEN');
  if (envUser) return basic(envUser, io, 'HERALD_USER');
  return configDefaults(config);
}

/**
 * A `subscribe:` entry's own credentials, as ntfy's client chooses them: an empty token (or an
 * empty user with an empty password) sends none at all; else the entry's token, else its user and
 * password; else whatever the command line, environment or defaults give (`fallback`).
 */
export function entryCredentials(entry: SubscriptionEntry, fallback: Credentials): Credentials {
  if (entry.token === '' || (entry.user === '' && entry.password === '')) return NO_CREDENTIALS;
  if (entry.token) return { kind: 'bearer', token: entry.token };
  if (entry.user && entry.password !== undefined) return { kind: 'basic', user: entry.user, password: entry.password };
  return fallback;
}

function configDefaults(config: ClientConfig): Credentials {
  if (config.defaultToken) return { kind: 'bearer', token: config.defaultToken };
  if (config.defaultUser && config.defaultPassword !== undefined) return { kind: 'basic', user: config.defaultUser, password: config.defaultPassword };
  return NO_CREDENTIALS;
}

function bearer(token: string, source: string): Credentials {
  if (token.trim() === '') throw new UsageError(`${source} is empty`);
  return { kind: 'bearer', token: token.trim() };
}

/** `user:pass` splits at the first colon, so a password may hold colons but a user name may not. */
async function basic(value: string, io: CliIo, source: string): Promise<Credentials> {
  const colon = value.indexOf(':');
  const user = colon >= 0 ? value.slice(0, colon) : value;
  if (user === '') throw new UsageError(`${source} needs a user name, as USER or USER:PASSWORD`);
  if (colon >= 0) return { kind: 'basic', user, password: value.slice(colon + 1) };
  if (io.env.HERALD_PASSWORD !== undefined) return { kind: 'basic', user, password: io.env.HERALD_PASSWORD };
  if (!io.stdin.isTTY) throw new UsageError(`no password for ${user}: give ${source} ${user}:PASSWORD or set HERALD_PASSWORD`);
  const password = await promptHidden(io, `password for ${user}: `);
  if (password === undefined) throw new UsageError('no password given');
  return { kind: 'basic', user, password };
}
