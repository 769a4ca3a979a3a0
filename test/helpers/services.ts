import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

/**
 * The machine's PostgreSQL and Redis, for the tests of scale-out mode. They run everywhere the
 * suite runs, CI included. Outside CI (`CI` unset) a test whose service is unreachable is skipped
 * with a message saying so; under `CI=true` an unreachable service fails the test, so a broken
 * CI set-up can never pass by skipping.
 *
 * Each test gets its own namespace (a PostgreSQL schema, a Redis key prefix) named after the test
 * and a random suffix, and cleans up through the adapter's own API.
 */

export const POSTGRES_URL = process.env.HERALD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.HERALD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

const reachable = new Map<string, Promise<boolean>>();

function tcpReachable(url: string): Promise<boolean> {
  let probe = reachable.get(url);
  if (!probe) {
    const { hostname, port } = new URL(url);
    probe = new Promise<boolean>((resolve) => {
      const socket = connect(Number(port), hostname.replace(/^\[|\]$/g, ''));
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(2000, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
    reachable.set(url, probe);
  }
  return probe;
}

/**
 * `undefined` when the service answers (run the tests), else the skip message. Under `CI=true`
 * an unreachable service throws instead: CI must never skip these tests.
 */
export async function serviceSkip(service: 'postgres' | 'redis'): Promise<string | undefined> {
  const url = service === 'postgres' ? POSTGRES_URL : REDIS_URL;
  if (await tcpReachable(url)) return undefined;
  const message = `${service} is not reachable at ${new URL(url).host}; start it (see the env notes) to run these tests`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: these tests must run)`);
  return message;
}

/** A name for one test's namespace: lowercase letters, digits and `_`, unique per call. */
export function namespaceFor(testName: string): string {
  const base = testName.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40);
  return `t_${base}_${randomBytes(4).toString('hex')}`;
}

/** The URL of the test database with `search_path` set to `schema`, as Herald would be given it. */
export function postgresUrlWithSchema(schema: string): string {
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** Runs one statement on the test database as the superuser (schema set-up and tear-down only). */
async function adminQuery(text: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A fresh, empty schema for one test; `drop()` removes it with everything in it. */
export async function freshPostgresSchema(testName: string): Promise<{ schema: string; url: string; drop(): Promise<void> }> {
  const schema = namespaceFor(testName);
  await adminQuery(`CREATE SCHEMA ${schema}`);
  return { schema, url: postgresUrlWithSchema(schema), drop: () => adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) };
}
