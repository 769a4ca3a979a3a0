/**
 * Publish throughput: autocannon, 64 connections, POST a short body to one topic, against Herald
 * (durable cache, cacheSync full) and a bare node:http server that reads the body and answers a
 * small JSON. After a 2 s warm-up of each, the 10 s per server are run as alternating 2 s slices
 * (herald, bare, herald, ...): on a shared box the load of other processes drifts within seconds,
 * and interleaving puts both servers under the same drift. Slices are merged exactly (summed
 * counters, merged latency histograms). Then checks that every acknowledged (2xx) publish is in
 * Herald's cache, through the API (poll=1) and in the SQLite file after a graceful stop.
 */
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { get } from 'node:http';
import { join } from 'node:path';
import { HarnessError, makeTmpDir, profileFlags } from './lib/proc.js';
import { startBare, startHerald, type ServerChild } from './lib/servers.js';
import { bar, fmt, int, parseOptions, table } from './lib/stats.js';

const TOPIC = 'bench';
const BODY = 'bench message';
const CONNECTIONS = 64;

interface Measured {
  name: string;
  /** 2xx answers during warm-up: acknowledged publishes, so they must be cached too. */
  warmup2xx: number;
  merged: autocannon.Result;
  reqPerSec: number;
  seconds: number;
}

export async function main(args: string[]): Promise<number> {
  const opts = parseOptions(args, { duration: 10, warmup: 2, slices: 5, profile: 0 });
  const sliceS = opts.duration / opts.slices;
  console.log(`publish: autocannon, ${CONNECTIONS} connections, POST /${TOPIC} "${BODY}"; ${opts.warmup} s warm-up each, then ${opts.slices} alternating slices of ${fmt(sliceS, 1)} s per server`);
  const tmp = makeTmpDir('publish');
  let keep = false;
  try {
    const herald = await startHerald({ dir: tmp.dir, nodeFlags: profileFlags(opts.profile === 1, 'herald') });
    const bare = await startBare(tmp.dir, profileFlags(opts.profile === 1, 'bare'));
    const servers = [herald, bare];
    const warm = servers.map(() => 0);
    const slices: autocannon.RawResult[][] = servers.map(() => []);
    try {
      for (const [i, server] of servers.entries()) warm[i] = (await run(server, opts.warmup))['2xx'];
      for (let s = 0; s < opts.slices; s++) {
        for (const [i, server] of servers.entries()) slices[i]!.push(await run(server, sliceS));
      }
    } finally {
      await bare.stop();
    }
    const [h, b] = servers.map((server, i) => merge(server, warm[i]!, slices[i]!)) as [Measured, Measured];

    console.log('');
    console.log(table([
      ['server', 'req/s', 'p50 ms', 'p99 ms', 'max ms', '2xx', 'non-2xx', 'errors', 'timeouts', 'seconds'],
      ...[h, b].map((m) => [m.name, fmt(m.reqPerSec, 0), fmt(m.merged.latency.p50), fmt(m.merged.latency.p99), fmt(m.merged.latency.max), int(m.merged['2xx']), int(m.merged.non2xx), int(m.merged.errors), int(m.merged.timeouts), fmt(m.seconds, 1)]),
    ]));
    const ratio = h.reqPerSec / b.reqPerSec;
    console.log(`ratio herald/bare req/s = ${fmt(ratio, 3)}  (p50 latency ratio ${fmt(h.merged.latency.p50 / b.merged.latency.p50)}, p99 ${fmt(h.merged.latency.p99 / b.merged.latency.p99)})`);
    bar('publish: herald req/s >= 0.5 x bare', ratio >= 0.5, `${fmt(h.reqPerSec, 0)} vs ${fmt(b.reqPerSec, 0)} req/s, ratio ${fmt(ratio, 3)}`);

    const acked = h.warmup2xx + h.merged['2xx'];
    const polled = await pollCount(herald.url);
    const exitCode = await herald.stop();
    if (exitCode !== 0) console.log(`herald exited with ${exitCode} on SIGTERM`);
    const stored = sqliteCount(join(tmp.dir, 'cache.db'));
    console.log('');
    const rows: Array<[string, number]> = [
      ['acknowledged by herald (2xx, warm-up + measured)', acked],
      [`in cache via GET /${TOPIC}/json?poll=1`, polled],
      ['in cache.db after SIGTERM (sqlite count)', stored],
    ];
    for (const [label, n] of rows) console.log(`${`${label}:`.padEnd(52)}${int(n).padStart(10)}`);
    console.log('(the cache may hold a few more: requests cut off when a slice ended can still be stored)');
    const complete = polled >= acked && stored >= acked;
    bar('publish: every acknowledged message is in the cache', complete, complete ? 'all present' : `missing ${int(acked - Math.min(polled, stored))}`);
    return 0;
  } catch (err) {
    keep = true;
    console.error(`logs kept in ${tmp.dir}`);
    throw err;
  } finally {
    if (!keep) tmp.remove();
  }
}

function options(server: ServerChild): autocannon.Options {
  return { url: `${server.url}/${TOPIC}`, method: 'POST', body: BODY, connections: CONNECTIONS };
}

async function run(server: ServerChild, seconds: number): Promise<autocannon.RawResult> {
  const result = await autocannon({ ...options(server), duration: seconds, skipAggregateResult: true });
  if (result['2xx'] === 0) throw new HarnessError(`${server.name}: no 2xx answer (status counts ${JSON.stringify(result.statusCodeStats)}, ${result.errors} errors)`);
  return result;
}

function merge(server: ServerChild, warmup2xx: number, slices: autocannon.RawResult[]): Measured {
  const merged = autocannon.aggregateResult(slices, options(server));
  const seconds = slices.reduce((n, s) => n + s.duration, 0);
  const completed = slices.reduce((n, s) => n + s.totalCompletedRequests, 0);
  return { name: server.name, warmup2xx, merged, reqPerSec: completed / seconds, seconds };
}

/** Counts NDJSON lines by streaming: the answer can be tens of thousands of messages. */
function pollCount(baseUrl: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get(`${baseUrl}/${TOPIC}/json?poll=1`, { agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new HarnessError(`poll answered ${res.statusCode}`));
      let lines = 0;
      res.on('data', (chunk: Buffer) => {
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      });
      res.on('end', () => resolve(lines));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function sqliteCount(file: string): number {
  const db = new Database(file, { fileMustExist: true });
  try {
    return (db.prepare('select count(*) as n from messages where topic = ?').get(TOPIC) as { n: number }).n;
  } finally {
    db.close();
  }
}
