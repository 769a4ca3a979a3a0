/**
 * Fan-out across a cluster: N subscribers (default 10,000, half SSE, half WebSocket, four client
 * processes as in `fanout`) spread over two Herald processes that share Redis (`redis-url`, a
 * prefix of the run's own), every message published on the first. Each receipt records receive −
 * publish time, so the subscribers on the second node pay the hop over the Redis bus.
 *
 * Baseline, same run: one Herald process holding another N subscribers, published to directly
 * (all subscribers on the publishing node), as a single-node install runs today (in-process bus;
 * `--baseline-redis 1` gives it the Redis bus too). Both sets of subscribers are open at once and
 * the messages go out in blocks that alternate between the two, as publish alternates its slices.
 * Bar: cluster p99 ≤ 2 × the baseline's, and no receipt lost.
 *
 * Storage: by default each node keeps its own SQLite files, so the only difference from the
 * baseline is the bus (the publish path's durable write is the same SQLite cache; `publish-pg`
 * measures PostgreSQL's). `--pg 1` puts the baseline on a PostgreSQL schema of its own and both
 * cluster nodes on one shared schema, as a production cluster runs.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_PROCESSES, subscriberBudget } from './lib/clients.js';
import { FanoutSession, GAP_NOTE, printFanoutResults, type FanoutResult } from './lib/fanout-run.js';
import { freshSchema, type BenchSchema } from './lib/postgres.js';
import { makeTmpDir, profileFlags } from './lib/proc.js';
import { printProfile, profileDir } from './lib/profile.js';
import { BENCH_REDIS_URL, freshPrefix, type BenchRedisPrefix } from './lib/redis.js';
import { startHerald, type ServerChild } from './lib/servers.js';
import { bar, fmt, int, parseOptions } from './lib/stats.js';

const BAR = 2;

export async function main(args: string[]): Promise<number> {
  const opts = parseOptions(args, { subscribers: 10_000, messages: 100, blocks: 5, 'baseline-redis': 0, pg: 0, profile: 0 });
  const budget = subscriberBudget(opts.subscribers);
  if (budget.note) console.log(`NOTE: ${budget.note}`);
  const perKind = budget.total / 2 / CLIENT_PROCESSES;
  const storage = opts.pg === 1 ? 'PostgreSQL (cluster nodes share one schema, the baseline has its own)' : 'SQLite files of its own per process';
  console.log(`cluster-fanout: ${int(budget.total)} subscribers (${int(budget.total / 2)} SSE + ${int(budget.total / 2)} WS over ${CLIENT_PROCESSES} client processes), ` +
    `${opts.messages} messages in ${opts.blocks} blocks alternating between the two set-ups, ${GAP_NOTE}; storage: ${storage}`);
  console.log(`  baseline: one Herald, every subscriber on it, ${opts['baseline-redis'] === 1 ? 'Redis bus' : 'in-process bus'}; ` +
    `cluster: two Herald processes on Redis ${new URL(BENCH_REDIS_URL).host}, subscribers split evenly, published on node-a`);

  const tmp = makeTmpDir('cluster-fanout');
  const schemas: BenchSchema[] = [];
  const prefixes: BenchRedisPrefix[] = [];
  const profiles: string[] = [];
  let keep = false;
  const results: FanoutResult[] = [];
  const servers: ServerChild[] = [];
  const sessions: FanoutSession[] = [];
  try {
    const redisFlags = async () => {
      const p = await freshPrefix('cluster-fanout');
      prefixes.push(p);
      return { 'redis-url': BENCH_REDIS_URL, 'redis-prefix': p.prefix };
    };
    const databaseFlags = async (): Promise<Record<string, string>> => {
      if (opts.pg !== 1) return {};
      const s = await freshSchema('cluster_fanout');
      schemas.push(s);
      return { 'database-url': s.url };
    };
    const start = (name: string, flags: Record<string, string>) => {
      const dir = join(tmp.dir, name);
      mkdirSync(dir, { recursive: true });
      const nodeFlags = profileFlags(opts.profile === 1, name);
      const profiled = profileDir(nodeFlags);
      if (profiled) profiles.push(profiled);
      return startHerald({ dir, name, nodeFlags, flags });
    };

    const single = await start('single', { ...(await databaseFlags()), ...(opts['baseline-redis'] === 1 ? await redisFlags() : {}) });
    servers.push(single);
    const shared = { ...(await databaseFlags()), ...(await redisFlags()) };
    // One after the other: on PostgreSQL the first migrates the empty schema, the second finds it done.
    const nodeA = await start('node-a', shared);
    servers.push(nodeA);
    const nodeB = await start('node-b', shared);
    servers.push(nodeB);
    sessions.push(await FanoutSession.open({ name: 'single', publishTo: single, subscribeTo: [single] }, perKind, opts.messages));
    sessions.push(await FanoutSession.open({ name: 'cluster', publishTo: nodeA, subscribeTo: [nodeA, nodeB] }, perKind, opts.messages));
    // Both sets of subscribers stay open; the messages go in alternating blocks (single, cluster,
    // single, ...), so a shared box's background load drifts over both alike.
    const perBlock = Math.ceil(opts.messages / opts.blocks);
    for (let sent = 0; sent < opts.messages; sent += perBlock) {
      for (const session of sessions) await session.send(perBlock);
    }
    for (const session of sessions) results.push(await session.finish());
  } catch (err) {
    keep = true;
    console.error(`logs kept in ${tmp.dir}`);
    throw err;
  } finally {
    await Promise.all(sessions.map((session) => session.close()));
    await Promise.all(servers.map((server) => server.stop()));
    await Promise.all([...schemas.map((s) => s.drop()), ...prefixes.map((p) => p.drop())]);
    if (!keep) tmp.remove();
  }

  printFanoutResults(results);
  const [single, cluster] = results as [FanoutResult, FanoutResult];
  const ratio = cluster.p99 / single.p99;
  console.log(`ratio cluster p99 / single-node p99 = ${fmt(ratio)}  (p50 ratio ${fmt(cluster.p50 / single.p50)})`);
  const lost = cluster.expected - cluster.received;
  const singleLost = single.expected - single.received;
  if (singleLost > 0) console.log(`NOTE: the single-node baseline lost ${int(singleLost)} receipts`);
  bar(`cluster-fanout: no receipt lost and cluster p99 <= ${BAR} x single-node p99`, lost === 0 && ratio <= BAR,
    `lost ${int(Math.max(0, lost))} of ${int(cluster.expected)}, p99 ${fmt(cluster.p99)} vs ${fmt(single.p99)} ms, ratio ${fmt(ratio)}`);
  for (const dir of profiles) printProfile(dir);
  console.log('');
  console.log(`SUMMARY cluster-fanout ${new Date().toISOString().slice(0, 10)}: ${int(cluster.subscribers)} subscribers, ${opts.messages} messages; ` +
    `cluster (2 nodes, Redis bus, ${opts.pg === 1 ? 'PostgreSQL' : 'SQLite per node'}) p50 ${fmt(cluster.p50, 1)} ms p99 ${fmt(cluster.p99, 1)} ms, lost ${int(Math.max(0, lost))}; ` +
    `single node p50 ${fmt(single.p50, 1)} ms p99 ${fmt(single.p99, 1)} ms; ratio ${fmt(ratio)}`);
  return 0;
}
