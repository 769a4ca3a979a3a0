import type { PoolConfig } from 'pg';
import type { ConnectionOptions } from 'node:tls';

/** What Herald lets an operator set about its PostgreSQL connections. */
export interface PostgresConnectionOptions {
  /** `postgres://[user[:password]@]host[:port]/database[?sslmode=…&options=…]` (libpq's URL form). */
  url: string;
  /** Most connections in the pool; default 10. */
  poolSize?: number;
  /** Server-side `statement_timeout` in ms; 0 turns it off. Default 30 s. */
  statementTimeoutMs?: number;
  /** How long opening a connection, or waiting for a free one in the pool, may take; default 10 s. */
  connectTimeoutMs?: number;
  /** PEM text of the CA that signed the server's certificate (already read from `database-ca-file`). */
  ca?: string;
  /** Shown in `pg_stat_activity`; default `herald`. An `application_name` in the URL wins. */
  applicationName?: string;
}

export const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** The sslmode values Herald honours, as libpq defines them. */
type SslMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';
const SSL_MODES: readonly string[] = ['disable', 'require', 'verify-ca', 'verify-full'];

/** The URL without its password (in the authority or as a `password` parameter), for logs and errors. */
export function redactedPostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

/**
 * Turns Herald's options into node-postgres pool settings. TLS is decided here, not by pg's own
 * URL parser: pg lets `sslmode` in the URL replace the whole `ssl` object (dropping a CA given
 * beside it) and reads `prefer` as "verify everything", so Herald takes the TLS parameters out of
 * the URL and builds the `ssl` object itself, with libpq's meaning for each mode. Throws a
 * RangeError, naming the URL without its password, for a mode it cannot honour.
 */
export function poolSettings(options: PostgresConnectionOptions): PoolConfig {
  const where = redactedPostgresUrl(options.url);
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new RangeError(`database-url is not a URL: ${where}`);
  }
  const requested = url.searchParams.get('sslmode');
  for (const name of [...url.searchParams.keys()]) {
    if (name === 'sslmode') continue;
    // Client certificates and pg's own TLS switches would quietly override the settings below.
    if (name.startsWith('ssl') || name === 'uselibpqcompat') {
      throw new RangeError(`database-url parameter ${name} is not supported: use sslmode and database-ca-file (${where})`);
    }
  }
  const mode = sslMode(requested, options.ca !== undefined, where);
  let connectionString = options.url;
  if (requested !== null) {
    url.searchParams.delete('sslmode');
    connectionString = url.toString();
  }
  return {
    connectionString,
    ssl: tlsSettings(mode, options.ca),
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    statement_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    application_name: options.applicationName ?? 'herald',
    // A peer that vanished without closing (a cut network) is noticed instead of waited on forever.
    keepAlive: true,
  };
}

function sslMode(requested: string | null, haveCa: boolean, where: string): SslMode {
  if (requested === null) return haveCa ? 'verify-full' : 'disable';
  if (requested === 'prefer' || requested === 'allow') {
    throw new RangeError(`sslmode=${requested} is not supported (no fallback between TLS and plain text): use disable, require, verify-ca or verify-full (${where})`);
  }
  if (!SSL_MODES.includes(requested)) throw new RangeError(`unknown sslmode=${requested}: use disable, require, verify-ca or verify-full (${where})`);
  if (requested === 'disable' && haveCa) throw new RangeError(`database-ca-file is set but database-url says sslmode=disable (${where})`);
  return requested as SslMode;
}

/** libpq's modes; `require` with a CA checks the chain, as libpq does when it finds a root certificate. */
function tlsSettings(mode: SslMode, ca: string | undefined): false | ConnectionOptions {
  const withCa = ca === undefined ? {} : { ca };
  switch (mode) {
    case 'disable':
      return false;
    case 'require':
      return ca === undefined ? { rejectUnauthorized: false } : { ...withCa, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-ca':
      return { ...withCa, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { ...withCa, rejectUnauthorized: true };
  }
}
