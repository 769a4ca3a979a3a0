import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { cpuMs } from './cpu.js';
import { HarnessError } from './proc.js';

/**
 * The machine's PostgreSQL, as the scale-out benchmarks use it. Every run works in a schema of
 * its own, made here and dropped when the run ends, so runs never see each other's rows (nor a
 * test's) and leave nothing behind. Herald is handed the schema the way an operator would put
 * it in `database-url`: `options=-c search_path=<schema>`.
 */
export const BENCH_POSTGRES_URL = process.env.HERALD_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchSchema {
  schema: string;
  /** `database-url` for Herald: the schema as search_path, and an application_name naming the run. */
  url: string;
  /** Shown in pg_stat_activity for Herald's connections, so their backends can be found. */
  applicationName: string;
  /** The harness's own small pool, on the same schema (counts, seeding). */
  pool: Pool;
  /** Drops the schema with everything in it and closes the pool; idempotent. */
  drop(): Promise<void>;
}

/** A new, empty schema for one run; `name` goes into the schema's name to say which benchmark made it. */
export async function freshSchema(name: string): Promise<BenchSchema> {
  const schema = `bench_${name.replace(/[^a-z0-9]+/g, '_')}_${randomBytes(4).toString('hex')}`;
  const applicationName = `herald-${schema}`;
  const { default: pg } = await import('pg');
  const admin = new pg.Pool({ connectionString: BENCH_POSTGRES_URL, max: 1 });
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } catch (err) {
    await admin.end();
    throw new HarnessError(`cannot create a schema in PostgreSQL at ${new URL(BENCH_POSTGRES_URL).host} (set HERALD_BENCH_POSTGRES_URL): ${(err as Error).message}`);
  }
  await admin.end();
  const url = new URL(BENCH_POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  url.searchParams.set('application_name', applicationName);
  const pool = new pg.Pool({ connectionString: BENCH_POSTGRES_URL, max: 2, options: `-c search_path=${schema}` });
  let dropped: Promise<void> | undefined;
  return {
    schema,
    url: url.toString(),
    applicationName,
    pool,
    drop() {
      dropped ??= (async () => {
        try {
          await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await pool.end();
        }
      })();
      return dropped;
    },
  };
}

/**
 * The server processes (backends) serving one application_name right now. Herald's work on
 * PostgreSQL is split between its own process and these, so the CPU they use belongs to its
 * cost per request; other sessions' backends on a shared server are left out.
 */
export async function backendPids(pool: Pool, applicationName: string): Promise<number[]> {
  const { rows } = await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
  return rows.map((r) => r.pid);
}

/**
 * CPU used by a set of backends between `start()` and `read()`. Pool connections under load stay
 * open, so the set seen at the start is the one that works; a backend that opened later counts
 * from zero and one that closed in between is lost (both rare while the load runs).
 */
export class BackendCpu {
  readonly #start = new Map<number, number>();
  readonly #pool: Pool;
  readonly #applicationName: string;

  private constructor(pool: Pool, applicationName: string) {
    this.#pool = pool;
    this.#applicationName = applicationName;
  }

  static async start(pool: Pool, applicationName: string): Promise<BackendCpu> {
    const watch = new BackendCpu(pool, applicationName);
    for (const pid of await backendPids(pool, applicationName)) {
      const ms = readCpu(pid);
      if (ms !== undefined) watch.#start.set(pid, ms);
    }
    return watch;
  }

  /** CPU ms the backends used since start, and how many there were. */
  async read(): Promise<{ ms: number; backends: number }> {
    const pids = new Set([...this.#start.keys(), ...(await backendPids(this.#pool, this.#applicationName))]);
    let ms = 0;
    for (const pid of pids) {
      const now = readCpu(pid);
      if (now !== undefined) ms += now - (this.#start.get(pid) ?? 0);
    }
    return { ms, backends: pids.size };
  }
}

function readCpu(pid: number): number | undefined {
  try {
    return cpuMs(pid);
  } catch {
    return undefined; // the backend has exited
  }
}
