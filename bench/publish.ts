/**
 * Publish throughput: wrk (C, bench/wrk/post.lua), 64 connections, POSTs a short body to one
 * topic, against Herald (durable cache, cacheSync full) and a bare node:http server that reads
 * the body and answers a small JSON. After a 2 s warm-up of each, the 10 s per server are run as
 * alternating 2 s slices (herald, bare, herald, ...): on a shared box the load of other
 * processes drifts within seconds, and interleaving puts both servers under the same drift.
 * Slices are merged exactly (summed counters, added latency histograms). Every slice records
 * the CPU the server and wrk used and how busy the machine was, so the output shows that the
 * load generator was not the limit. Then checks that every acknowledged publish is in Herald's
 * cache, through the API (poll=1) and in the SQLite file after a graceful stop.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { CORES } from './lib/cpu.js';
import { makeTmpDir, profileFlags } from './lib/proc.js';
import { printProfile, profileDir } from './lib/profile.js';
import { acked, BODY, measure, pollCount, runSlice as run, serverUsPerReq, shellQuote, sqliteCount, TOPIC, type Measured, type Slice } from './lib/publish-slices.js';
import { startBare, startHerald, type ServerChild } from './lib/servers.js';
import { bar, fmt, int, parseOptions, table } from './lib/stats.js';
import { requireWrk, wrkArgs, type WrkOptions } from './lib/wrk.js';

const BAR = 0.5;

export async function main(args: string[]): Promise<number> {
  const opts = parseOptions(args, { duration: 10, warmup: 2, slices: 5, connections: 64, threads: 1, profile: 0, 'cache-sync-normal': 0 });
  const version = requireWrk();
  const sliceS = opts.duration / opts.slices;
  console.log(`publish: wrk ${version}, ${opts.threads} thread(s), ${opts.connections} connections, POST /${TOPIC} "${BODY}"; ` +
    `${opts.warmup} s warm-up each, then ${opts.slices} alternating slices of ${fmt(sliceS, 1)} s per server; ${CORES} cores here`);
  const tmp = makeTmpDir('publish');
  const wrkLog = join(tmp.dir, 'wrk.log');
  let keep = false;
  try {
    const heraldFlags = profileFlags(opts.profile === 1, 'herald');
    // `--cache-sync-normal 1` measures the documented option (crash-safe, not power-loss-safe),
    // never the default figure.
    const herald = await startHerald({ dir: tmp.dir, nodeFlags: heraldFlags, flags: opts['cache-sync-normal'] ? { 'cache-sync': 'normal' } : {} });
    const bare = await startBare(tmp.dir, profileFlags(opts.profile === 1, 'bare'));
    const servers = [herald, bare];
    const wrkOptions = (server: ServerChild, seconds: number): WrkOptions =>
      ({ url: `${server.url}/${TOPIC}`, body: BODY, threads: opts.threads, connections: opts.connections, seconds });
    console.log(`wrk ${wrkArgs(wrkOptions(herald, sliceS)).map(shellQuote).join(' ')}`);
    const warm = servers.map(() => 0);
    const slices: Slice[][] = servers.map(() => []);
    try {
      for (const [i, server] of servers.entries()) warm[i] = acked((await run(server, wrkOptions(server, opts.warmup), wrkLog)).wrk);
      for (let s = 0; s < opts.slices; s++) {
        for (const [i, server] of servers.entries()) slices[i]!.push(await run(server, wrkOptions(server, sliceS), wrkLog));
      }
    } finally {
      await bare.stop();
    }
    const [h, b] = servers.map((server, i) => measure(server.name, warm[i]!, slices[i]!)) as [Measured, Measured];

    console.log('');
    console.log(table([
      ['server', 'req/s', 'p50 ms', 'p99 ms', 'max ms', '2xx', '4xx/5xx', 'socket errors', 'timeouts', 'seconds'],
      ...[h, b].map((m) => [m.name, fmt(m.reqPerSec, 0), fmt(m.merged.p50Ms), fmt(m.merged.p99Ms), fmt(m.merged.maxMs), int(m.acked),
        int(m.merged.status4xx5xx), int(m.merged.socketErrors), int(m.merged.timeouts), fmt(m.merged.seconds, 1)]),
    ]));
    const rest = (m: Measured) => Math.max(0, (m.machinePct / 100) * CORES * 100 - m.serverPct - m.wrkPct);
    const restPct = (rest(h) + rest(b)) / 2;
    console.log('');
    console.log(`CPU over the measured slices, in % of one core (${CORES} cores = ${CORES * 100} %); "rest" is everything else on the machine:`);
    console.log(table([
      ['slices of', 'server %', 'server µs/req', 'wrk %', 'wrk max %', 'wrk µs/req', 'rest %', 'machine busy %'],
      ...[h, b].map((m) => [m.name, fmt(m.serverPct, 0), fmt(serverUsPerReq(m), 1), fmt(m.wrkPct, 0), fmt(m.wrkMaxPct, 0), fmt((m.merged.cpuSeconds * 1e6) / m.merged.requests, 1),
        fmt(rest(m), 0), fmt(m.machinePct, 0)]),
    ]));
    const wrkMax = Math.max(h.wrkMaxPct, b.wrkMaxPct);
    console.log(`load generator: wrk used at most ${fmt(wrkMax, 0)} % of one core in any slice (${fmt(wrkMax / CORES, 0)} % of the machine)` +
      (wrkMax >= 75 ? ' -- WARNING: close to a full core, the figures may be wrk\'s limit; try --threads 2' : ''));
    if (restPct > 25) {
      console.log(`NOTE: other processes used ${fmt(restPct, 0)} % of a core during the slices, so neither server had a core to itself; ` +
        'on such a box the ratio has come out far above a quiet run\'s (bench/README.md). Quote figures from a quiet machine.');
    }
    const ratio = h.reqPerSec / b.reqPerSec;
    // Server CPU per request does not depend on how much of a core each server was given (though
    // contention inflates it too), so it is printed beside the req/s ratio.
    const cpuRatio = serverUsPerReq(b) / serverUsPerReq(h);
    console.log(`ratio herald/bare req/s = ${fmt(ratio, 3)}  (server CPU per request bare/herald ${fmt(cpuRatio, 3)}; p50 latency ratio ${fmt(h.merged.p50Ms / b.merged.p50Ms)}, p99 ${fmt(h.merged.p99Ms / b.merged.p99Ms)})`);
    bar(`publish: herald req/s >= ${BAR} x bare`, ratio >= BAR, `${fmt(h.reqPerSec, 0)} vs ${fmt(b.reqPerSec, 0)} req/s, ratio ${fmt(ratio, 3)}`);

    const ackedTotal = h.warmupAcked + h.acked;
    const polled = await pollCount(herald.url);
    const exitCode = await herald.stop();
    if (exitCode !== 0) console.log(`herald exited with ${exitCode} on SIGTERM`);
    const stored = sqliteCount(join(tmp.dir, 'cache.db'));
    console.log('');
    const rows: Array<[string, number]> = [
      ['acknowledged by herald (2xx, warm-up + measured)', ackedTotal],
      [`in cache via GET /${TOPIC}/json?poll=1`, polled],
      ['in cache.db after SIGTERM (sqlite count)', stored],
    ];
    for (const [label, n] of rows) console.log(`${`${label}:`.padEnd(52)}${int(n).padStart(10)}`);
    console.log('(the cache may hold a few more: requests cut off when a slice ended can still be stored)');
    const complete = polled >= ackedTotal && stored >= ackedTotal;
    bar('publish: every acknowledged message is in the cache', complete, complete ? 'all present' : `missing ${int(ackedTotal - Math.min(polled, stored))}`);

    const profiled = profileDir(heraldFlags);
    if (profiled) printProfile(profiled);
    console.log('');
    // One line to paste into the README tables.
    console.log(`SUMMARY publish ${new Date().toISOString().slice(0, 10)}: herald ${int(h.reqPerSec)} req/s (p50 ${fmt(h.merged.p50Ms, 1)} ms, p99 ${fmt(h.merged.p99Ms, 1)} ms), ` +
      `bare ${int(b.reqPerSec)} req/s, ratio ${fmt(ratio, 3)} (CPU/req ${fmt(cpuRatio, 2)}: ${fmt(serverUsPerReq(h), 0)} vs ${fmt(serverUsPerReq(b), 0)} µs); wrk -t${opts.threads} -c${opts.connections} <= ${fmt(wrkMax, 0)} % of a core; ` +
      `others ${fmt(restPct, 0)} % of a core, machine ${fmt((h.machinePct + b.machinePct) / 2, 0)} % busy (${CORES} cores, load ${fmt(loadavg()[0]!, 1)}); ` +
      `${int(ackedTotal)} acknowledged, ${complete ? 'all in cache' : `${int(ackedTotal - Math.min(polled, stored))} MISSING`}`);
    return 0;
  } catch (err) {
    keep = true;
    console.error(`logs kept in ${tmp.dir}`);
    throw err;
  } finally {
    if (!keep) tmp.remove();
  }
}
