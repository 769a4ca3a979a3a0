/**
 * Durable publish on PostgreSQL against SQLite: two Herald processes, one started with
 * `database-url` (a schema of the run's own on the machine's PostgreSQL, every store there), one
 * on its SQLite files (durable cache, cache-sync full). wrk drives both with the same script as
 * `publish`, after a warm-up of each, in alternating slices (postgres, sqlite, postgres, ...) so
 * the background load of a shared box drifts over both alike. Slices are merged exactly.
 *
 * Herald's work on PostgreSQL is split between its process and the server's backends, so each
 * slice also records the CPU of the backends serving it (found by the run's application_name);
 * PostgreSQL's own background writers are shared with everyone and count with "rest".
 *
 * Then completeness: every acknowledged publish (warm-up included) must be in the PostgreSQL
 * cache, read through the API (poll=1) and counted in the schema after a graceful stop; SQLite's
 * cache is checked the same way. The schema is dropped at the end.
 */
import { loadavg } from 'node:os';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CORES } from './lib/cpu.js';
import { BackendCpu, freshSchema, type BenchSchema } from './lib/postgres.js';
import { makeTmpDir, profileFlags } from './lib/proc.js';
import { printProfile, profileDir } from './lib/profile.js';
import { acked, BODY, helperUsPerReq, measure, pollCount, runSlice, serverUsPerReq, shellQuote, sqliteCount, TOPIC, type HelperCpu, type Measured, type Slice } from './lib/publish-slices.js';
import { startHerald, type ServerChild } from './lib/servers.js';
import { bar, fmt, int, parseOptions, table } from './lib/stats.js';
import { requireWrk, wrkArgs, type WrkOptions } from './lib/wrk.js';

const BAR = 0.5;

interface Side {
  server: ServerChild;
  helpers?: () => Promise<HelperCpu>;
}

export async function main(args: string[]): Promise<number> {
  const opts = parseOptions(args, { duration: 10, warmup: 2, slices: 5, connections: 64, threads: 1, 'pool-size': 10, profile: 0 });
  const version = requireWrk();
  const sliceS = opts.duration / opts.slices;
  console.log(`publish-pg: wrk ${version}, ${opts.threads} thread(s), ${opts.connections} connections, POST /${TOPIC} "${BODY}"; ` +
    `${opts.warmup} s warm-up each, then ${opts.slices} alternating slices of ${fmt(sliceS, 1)} s per server; ${CORES} cores here`);
  const tmp = makeTmpDir('publish-pg');
  const wrkLog = join(tmp.dir, 'wrk.log');
  let schema: BenchSchema | undefined;
  const servers: ServerChild[] = [];
  let keep = false;
  try {
    schema = await freshSchema('publish_pg');
    const settings = await schema.pool.query<{ name: string; setting: string }>(
      "SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'synchronous_commit', 'fsync', 'wal_sync_method', 'commit_delay') ORDER BY name");
    console.log(`postgres: schema ${schema.schema}; ${settings.rows.map((r) => `${r.name}=${r.setting}`).join(', ')}; Herald's pool ${opts['pool-size']} connections`);

    const pgFlags = profileFlags(opts.profile === 1, 'postgres');
    const sqliteFlags = profileFlags(opts.profile === 1, 'sqlite');
    const dirOf = (name: string) => {
      const dir = join(tmp.dir, name);
      mkdirSync(dir, { recursive: true });
      return dir;
    };
    const pg = await startHerald({ dir: dirOf('postgres'), name: 'postgres', nodeFlags: pgFlags, flags: { 'database-url': schema.url, 'database-pool-size': String(opts['pool-size']) } });
    servers.push(pg);
    const sqlite = await startHerald({ dir: dirOf('sqlite'), name: 'sqlite', nodeFlags: sqliteFlags });
    servers.push(sqlite);
    const { pool, applicationName } = schema;
    const sides: Side[] = [{ server: pg, helpers: () => BackendCpu.start(pool, applicationName) }, { server: sqlite }];
    const wrkOptions = (server: ServerChild, seconds: number): WrkOptions =>
      ({ url: `${server.url}/${TOPIC}`, body: BODY, threads: opts.threads, connections: opts.connections, seconds });
    console.log(`wrk ${wrkArgs(wrkOptions(pg, sliceS)).map(shellQuote).join(' ')}`);
    const warm = sides.map(() => 0);
    const slices: Slice[][] = sides.map(() => []);
    for (const [i, side] of sides.entries()) warm[i] = acked((await runSlice(side.server, wrkOptions(side.server, opts.warmup), wrkLog, side.helpers)).wrk);
    for (let s = 0; s < opts.slices; s++) {
      for (const [i, side] of sides.entries()) slices[i]!.push(await runSlice(side.server, wrkOptions(side.server, sliceS), wrkLog, side.helpers));
    }
    const [p, q] = sides.map((side, i) => measure(side.server.name, warm[i]!, slices[i]!)) as [Measured, Measured];

    console.log('');
    console.log(table([
      ['herald on', 'req/s', 'p50 ms', 'p99 ms', 'max ms', '2xx', '4xx/5xx', 'socket errors', 'timeouts', 'seconds'],
      ...[p, q].map((m) => [m.name, fmt(m.reqPerSec, 0), fmt(m.merged.p50Ms), fmt(m.merged.p99Ms), fmt(m.merged.maxMs), int(m.acked),
        int(m.merged.status4xx5xx), int(m.merged.socketErrors), int(m.merged.timeouts), fmt(m.merged.seconds, 1)]),
    ]));
    const rest = (m: Measured) => Math.max(0, (m.machinePct / 100) * CORES * 100 - m.serverPct - m.helperPct - m.wrkPct);
    console.log('');
    console.log(`CPU over the measured slices, in % of one core (${CORES} cores = ${CORES * 100} %); "pg backends" are the PostgreSQL server processes serving ` +
      'that Herald; "rest" is everything else on the machine (other sessions, PostgreSQL\'s WAL writer and checkpointer):');
    console.log(table([
      ['slices of', 'herald %', 'herald µs/req', 'pg backends %', 'backends µs/req', 'wrk %', 'wrk max %', 'rest %', 'machine busy %'],
      ...[p, q].map((m) => [m.name, fmt(m.serverPct, 0), fmt(serverUsPerReq(m), 1), fmt(m.helperPct, 0), fmt(helperUsPerReq(m), 1), fmt(m.wrkPct, 0), fmt(m.wrkMaxPct, 0),
        fmt(rest(m), 0), fmt(m.machinePct, 0)]),
    ]));
    const wrkMax = Math.max(p.wrkMaxPct, q.wrkMaxPct);
    console.log(`load generator: wrk used at most ${fmt(wrkMax, 0)} % of one core in any slice` +
      (wrkMax >= 75 ? ' -- WARNING: close to a full core, the figures may be wrk\'s limit; try --threads 2' : ''));
    const restPct = (rest(p) + rest(q)) / 2;
    if (restPct > 25) {
      console.log(`NOTE: other processes used ${fmt(restPct, 0)} % of a core during the slices, so neither server had the cores to itself; quote figures from a quiet machine.`);
    }
    const ratio = p.reqPerSec / q.reqPerSec;
    const cpuPg = serverUsPerReq(p) + helperUsPerReq(p);
    console.log(`ratio postgres/sqlite req/s = ${fmt(ratio, 3)}  (CPU per request, Herald + backends: ${fmt(cpuPg, 0)} vs ${fmt(serverUsPerReq(q), 0)} µs; ` +
      `p50 latency ratio ${fmt(p.merged.p50Ms / q.merged.p50Ms)}, p99 ${fmt(p.merged.p99Ms / q.merged.p99Ms)})`);
    bar(`publish-pg: postgres req/s >= ${BAR} x sqlite`, ratio >= BAR, `${fmt(p.reqPerSec, 0)} vs ${fmt(q.reqPerSec, 0)} req/s, ratio ${fmt(ratio, 3)}`);

    // Completeness, after the load: the API's view first, then the rows once each server has stopped.
    const polled = [await pollCount(pg.url), await pollCount(sqlite.url)];
    for (const server of [pg, sqlite]) {
      const code = await server.stop();
      if (code !== 0) console.log(`${server.name} exited with ${code} on SIGTERM`);
    }
    const stored = [
      Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM messages WHERE topic = $1', [TOPIC])).rows[0]!.n),
      sqliteCount(join(tmp.dir, 'sqlite', 'cache.db')),
    ];
    console.log('');
    const complete: boolean[] = [];
    for (const [i, m] of [p, q].entries()) {
      const ackedTotal = m.warmupAcked + m.acked;
      console.log(`${m.name}: ${int(ackedTotal)} acknowledged (2xx, warm-up + measured), ${int(polled[i]!)} via GET /${TOPIC}/json?poll=1, ` +
        `${int(stored[i]!)} rows after SIGTERM (${i === 0 ? `messages in schema ${schema.schema}` : 'cache.db'})`);
      complete.push(polled[i]! >= ackedTotal && stored[i]! >= ackedTotal);
    }
    console.log('(a cache may hold a few more: requests cut off when a slice ended can still be stored)');
    const missing = (i: number, m: Measured) => int(m.warmupAcked + m.acked - Math.min(polled[i]!, stored[i]!));
    bar('publish-pg: every acknowledged message is in the PostgreSQL cache', complete[0]!, complete[0] ? 'all present' : `missing ${missing(0, p)}`);
    bar('publish-pg: every acknowledged message is in the SQLite cache', complete[1]!, complete[1] ? 'all present' : `missing ${missing(1, q)}`);

    for (const flags of [pgFlags, sqliteFlags]) {
      const dir = profileDir(flags);
      if (dir) printProfile(dir);
    }
    console.log('');
    console.log(`SUMMARY publish-pg ${new Date().toISOString().slice(0, 10)}: postgres ${int(p.reqPerSec)} req/s (p50 ${fmt(p.merged.p50Ms, 1)} ms, p99 ${fmt(p.merged.p99Ms, 1)} ms), ` +
      `sqlite ${int(q.reqPerSec)} req/s (p50 ${fmt(q.merged.p50Ms, 1)} ms, p99 ${fmt(q.merged.p99Ms, 1)} ms), ratio ${fmt(ratio, 3)}; ` +
      `CPU/req ${fmt(serverUsPerReq(p), 0)} + ${fmt(helperUsPerReq(p), 0)} µs (herald + backends) vs ${fmt(serverUsPerReq(q), 0)} µs; wrk -t${opts.threads} -c${opts.connections} <= ${fmt(wrkMax, 0)} % of a core; ` +
      `others ${fmt(restPct, 0)} % of a core (${CORES} cores, load ${fmt(loadavg()[0]!, 1)}); ` +
      `${int(p.warmupAcked + p.acked)} acknowledged on postgres, ${complete[0] ? 'all in cache' : `${missing(0, p)} MISSING`}`);
    return 0;
  } catch (err) {
    keep = true;
    console.error(`logs kept in ${tmp.dir}`);
    throw err;
  } finally {
    // Stopped already on success; after a failure, before their schema goes.
    await Promise.all(servers.map((server) => server.stop()));
    await schema?.drop();
    if (!keep) tmp.remove();
  }
}
