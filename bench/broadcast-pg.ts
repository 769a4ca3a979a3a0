/**
 * `broadcast-pg`: the `broadcast` benchmark on PostgreSQL against the same on SQLite, in one run.
 * One push to every device of a topic (N devices, half APNs, half FCM, each mock its own process),
 * timed from POST /v1/push until every delivery has an outcome, and Herald's peak RSS (VmHWM).
 *
 * The audience is seeded once into SQLite (`seedDevices`, as `broadcast` does) and copied into
 * the PostgreSQL schema's device tables in batches of multi-row inserts (lib/pg-seed.ts), after
 * one start of Herald on the empty schema has migrated it; so both engines serve the same devices.
 * Then Herald runs the broadcast on SQLite and, with `database-url`, on PostgreSQL (devices,
 * queue and push ledger all there), against the same two mocks. The schema is dropped at the end.
 *
 * Bars: PostgreSQL's time ≤ 1.5 × SQLite's, peak RSS ≤ 1 GiB for each Herald process, and every
 * device sent on both.
 */
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { seedDevices } from '../test/helpers/seed-devices.js';
import { CORES, CpuWatch, pctOfCore } from './lib/cpu.js';
import { copyTables } from './lib/pg-seed.js';
import { BackendCpu, freshSchema, type BenchSchema } from './lib/postgres.js';
import { makeTmpDir, profileFlags } from './lib/proc.js';
import { printProfile, profileDir } from './lib/profile.js';
import { broadcastAppFlags, createKey, createKeyWith, peakRssKiB, startBroadcastMocks, timeBroadcast, type MockChild, type PushView } from './lib/push.js';
import { startHerald, type ServerChild } from './lib/servers.js';
import { bar, fmt, int, parseOptions, table } from './lib/stats.js';

const TIME_BAR = 1.5;
const RSS_BAR_MIB = 1024;
const TOPIC = 'everyone';
const SCOPES = ['push:send', 'push:read'] as const;

interface Run {
  name: 'sqlite' | 'postgres';
  view: PushView;
  elapsedS: number;
  peakMiB: number;
  /** % of one core over the broadcast. */
  heraldPct: number;
  backendsPct: number;
  mocksPct: number;
  machinePct: number;
}

export async function main(args: string[]): Promise<number> {
  const o = parseOptions(args, { devices: 1_000_000, 'fcm-share': 0.5, connections: 2, streams: 500, 'pool-size': 10, profile: 0 });
  const tmp = makeTmpDir('broadcast-pg');
  const mocks: MockChild[] = [];
  const servers: ServerChild[] = [];
  let schema: BenchSchema | undefined;
  let keep = false;
  const profiles: string[] = [];
  try {
    const dirOf = (name: string) => {
      const dir = join(tmp.dir, name);
      mkdirSync(dir, { recursive: true });
      return dir;
    };
    const sqliteDir = dirOf('sqlite');
    const pgDir = dirOf('postgres');
    const m = await startBroadcastMocks(tmp.dir, o.streams);
    mocks.push(m.apns, m.fcm);

    let t = Date.now();
    const sqliteDb = join(sqliteDir, 'herald.db');
    const devices = await seedDevices(sqliteDb, { count: o.devices, topic: TOPIC, fcmShare: o['fcm-share'] });
    const fcmCount = devices.filter((d) => d.provider === 'fcm').length;
    console.log(`broadcast-pg: seeded ${int(devices.length)} devices (${int(devices.length - fcmCount)} APNs, ${int(fcmCount)} FCM) into SQLite in ${fmt((Date.now() - t) / 1000, 1)} s`);
    devices.length = 0; // the harness needs only the counts; free the million objects before Herald runs

    schema = await freshSchema('broadcast_pg');
    const pgFlags = { 'database-url': schema.url, 'database-pool-size': String(o['pool-size']) };
    t = Date.now();
    // An operator's first start migrates the empty schema; the devices go in after it.
    const migrating = await startHerald({ dir: pgDir, name: 'postgres-migrate', flags: pgFlags });
    servers.push(migrating);
    await migrating.stop();
    console.log(`broadcast-pg: Herald migrated schema ${schema.schema} in ${fmt((Date.now() - t) / 1000, 1)} s`);
    t = Date.now();
    let lastLog = Date.now();
    const copied = await copyTables(sqliteDb, schema.pool, ['devices', 'device_topics'], (tableName, rows) => {
      if (Date.now() - lastLog < 10_000) return;
      lastLog = Date.now();
      console.log(`  ${tableName}: ${int(rows)} rows`);
    });
    const copyS = (Date.now() - t) / 1000;
    // Autovacuum would analyze the fresh rows within a minute or so; done now, the audience query
    // is planned on real statistics from the first page, as on a database that has been running.
    await schema.pool.query('ANALYZE devices, device_topics');
    console.log(`broadcast-pg: copied ${Object.entries(copied).map(([k, n]) => `${int(n)} ${k}`).join(', ')} into PostgreSQL in ${fmt(copyS, 1)} s ` +
      `(${int((copied.devices ?? 0) / copyS)} devices/s, multi-row inserts of 20,000), then ANALYZE in ${fmt((Date.now() - t) / 1000 - copyS, 1)} s`);

    const keys = { sqlite: await createKey(sqliteDb, [...SCOPES]), postgres: await createKeyWith(pgFlags, [...SCOPES]) };
    const runs: Run[] = [];
    for (const name of ['sqlite', 'postgres'] as const) {
      const nodeFlags = profileFlags(o.profile === 1, `broadcast-${name}`);
      const profiled = profileDir(nodeFlags);
      if (profiled) profiles.push(profiled);
      const herald = await startHerald({
        dir: name === 'sqlite' ? sqliteDir : pgDir,
        name,
        nodeFlags,
        flags: { ...broadcastAppFlags(m, o.connections), ...(name === 'postgres' ? pgFlags : {}) },
      });
      servers.push(herald);
      const cpu = new CpuWatch({ herald: herald.pid, apns: m.apns.pid, fcm: m.fcm.pid });
      const backends = name === 'postgres' ? await BackendCpu.start(schema.pool, schema.applicationName) : undefined;
      console.log(`${name}: broadcast to ${int(o.devices)} devices`);
      const { view, elapsedS } = await timeBroadcast(herald.url, keys[name], `broadcast-${name}`, TOPIC, mocks, `${name} `);
      const used = cpu.read();
      const backendsMs = backends ? (await backends.read()).ms : 0;
      const peakMiB = peakRssKiB(herald.pid) / 1024;
      await herald.stop();
      const run: Run = {
        name, view, elapsedS, peakMiB,
        heraldPct: pctOfCore(used.cpuMs.herald!, used.wallMs),
        backendsPct: pctOfCore(backendsMs, used.wallMs),
        mocksPct: pctOfCore(used.cpuMs.apns! + used.cpuMs.fcm!, used.wallMs),
        machinePct: used.machineBusy * 100,
      };
      runs.push(run);
      console.log(`${name}: ${int(view.targets)} targets, ${int(view.counts.sent ?? 0)} sent, ${int(view.counts.failed ?? 0)} failed, ${int(view.counts.dead ?? 0)} dead ` +
        `in ${fmt(elapsedS, 1)} s (${int(view.targets / elapsedS)} deliveries/s); peak RSS ${fmt(peakMiB, 0)} MiB`);
    }

    const [lite, pg] = runs as [Run, Run];
    console.log('');
    console.log(`CPU over each broadcast, in % of one core (${CORES} cores = ${CORES * 100} %); "pg backends" are the PostgreSQL server processes serving that Herald:`);
    console.log(table([
      ['herald on', 'targets', 'sent', 'seconds', 'deliveries/s', 'peak RSS MiB', 'herald %', 'pg backends %', 'mocks %', 'machine busy %'],
      ...runs.map((r) => [r.name, int(r.view.targets), int(r.view.counts.sent ?? 0), fmt(r.elapsedS, 1), int(r.view.targets / r.elapsedS), fmt(r.peakMiB, 0),
        fmt(r.heraldPct, 0), r.name === 'postgres' ? fmt(r.backendsPct, 0) : '-', fmt(r.mocksPct, 0), fmt(r.machinePct, 0)]),
    ]));
    const ratio = pg.elapsedS / lite.elapsedS;
    console.log(`ratio postgres/sqlite time = ${fmt(ratio)}`);
    bar(`broadcast-pg time: postgres <= ${TIME_BAR} x sqlite`, ratio <= TIME_BAR, `${fmt(pg.elapsedS, 1)} s vs ${fmt(lite.elapsedS, 1)} s for ${int(o.devices)} devices, ratio ${fmt(ratio)}`);
    for (const r of runs) bar(`broadcast-pg peak RSS (${r.name})`, r.peakMiB <= RSS_BAR_MIB, `${fmt(r.peakMiB, 0)} MiB (bar ${RSS_BAR_MIB} MiB)`);
    for (const r of runs) bar(`broadcast-pg complete (${r.name})`, r.view.counts.sent === o.devices, `${int(r.view.counts.sent ?? 0)} of ${int(o.devices)} sent`);
    for (const dir of profiles) printProfile(dir);
    console.log('');
    console.log(`SUMMARY broadcast-pg ${new Date().toISOString().slice(0, 10)}: ${int(o.devices)} devices; postgres ${fmt(pg.elapsedS, 1)} s (peak RSS ${fmt(pg.peakMiB, 0)} MiB, ` +
      `herald ${fmt(pg.heraldPct, 0)} % + backends ${fmt(pg.backendsPct, 0)} % of a core), sqlite ${fmt(lite.elapsedS, 1)} s (peak RSS ${fmt(lite.peakMiB, 0)} MiB, herald ${fmt(lite.heraldPct, 0)} %); ` +
      `ratio ${fmt(ratio)}; mocks ${fmt(pg.mocksPct, 0)} / ${fmt(lite.mocksPct, 0)} %; load ${fmt(loadavg()[0]!, 1)}`);
    return 0;
  } catch (err) {
    keep = true;
    console.error(`logs kept in ${tmp.dir}`);
    throw err;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all(mocks.map((mock) => mock.stop()));
    await schema?.drop();
    if (!keep) tmp.remove();
  }
}
