/**
 * Benchmark dispatcher: `node dist/bench/run.js NAME [--option N ...]` (or `npm run bench -- NAME`).
 * Exit status: 0 when the benchmark ran (whether or not Herald met its bar), 1 when the harness
 * itself failed, 2 on bad usage. Bars are printed as PASS/FAIL lines.
 */
import { UsageError } from './lib/stats.js';

const BENCHMARKS = {
  publish: () => import('./publish.js'),
  fanout: () => import('./fanout.js'),
  memory: () => import('./memory.js'),
  'webpush-encrypt': () => import('./webpush-encrypt.js'),
  broadcast: () => import('./broadcast.js'),
  'push-apns': () => import('./push-apns.js'),
  priority: () => import('./priority.js'),
  preferences: () => import('./preferences.js'),
  'notify-email': () => import('./notify-email.js'),
  'publish-pg': () => import('./publish-pg.js'),
  'cluster-fanout': () => import('./cluster-fanout.js'),
  'broadcast-pg': () => import('./broadcast-pg.js'),
  'centrifugo-broadcast': () => import('./centrifugo-broadcast.js'),
  'cli-start': () => import('./cli-start.js'),
  'filter-routing': () => import('./filter-routing.js'),
  'web-budgets': () => import('./web-budgets.js'),
} as const;

const USAGE = `usage: node dist/bench/run.js NAME [--option N ...]
  publish  [--duration 10] [--warmup 2] [--slices 5] [--connections 64] [--threads 1] [--profile 0|1]
           publish req/s and latency vs a bare node:http server, driven by wrk (apt-get install wrk); cache completeness
  fanout   [--subscribers 20000] [--messages 100] [--profile 0|1]
           fan-out latency to SSE + WS subscribers vs a bare http+ws server
  memory   [--subscribers 20000] [--settle 3]
           server RSS per idle SSE/WS subscriber vs a bare http+ws server
  webpush-encrypt  [--count 3000] [--rounds 5]
           RFC 8291 encryptions/s of Herald's code vs the web-push library
  push-apns [--deliveries 200000] [--connections 2] [--streams 500] [--clients 4] [--profile 0|1]
           deliveries/s end to end (API -> queue -> APNs mock -> outcome) vs h2load to the same mock
  broadcast [--devices 1000000] [--fcm-share 0.5] [--connections 2] [--streams 500] [--profile 0|1]
           one push to every device of a topic (APNs + FCM mocks): time to all outcomes, peak RSS, vs h2load
  priority [--devices 1000000] [--pushes 50] [--interval-ms 100] [--profile 0|1]
           high pushes to one device during a broadcast: accept latency and time to send vs an idle server
  preferences [--count 200000] [--rounds 5]
           preference + quiet-hours decisions/s on one core vs Intl formatToParts calls
  notify-email [--subscribers 100000] [--pool 5] [--batch 1000] [--clients 4] [--inflight 300] [--profile 0|1]
           one template to every subscriber by e-mail (preferences, SMTP pool, local sink) vs nodemailer alone
  publish-pg [--duration 10] [--warmup 2] [--slices 5] [--connections 64] [--threads 1] [--pool-size 10] [--profile 0|1]
           durable publish req/s with database-url (PostgreSQL) vs SQLite, wrk, alternating slices; cache completeness
  cluster-fanout [--subscribers 10000] [--messages 100] [--baseline-redis 0|1] [--pg 0|1] [--profile 0|1]
           fan-out latency with subscribers on 2 Herald processes sharing Redis vs all on one process
  broadcast-pg [--devices 1000000] [--fcm-share 0.5] [--connections 2] [--streams 500] [--pool-size 10] [--profile 0|1]
           one push to every device of a topic with database-url (PostgreSQL) vs SQLite: time to all outcomes, peak RSS
  centrifugo-broadcast [--devices 100000] [--runs 3] [--fcm-share 0.5] [--connections 2] [--streams 500] [--profile 0|1]
           one topic broadcast via /v1/push (a), Centrifugo's send_push_notification (b) and with templating (c), alternating: deliveries/s, b/a, c/b
  cli-start [--runs 20] [--warmup 2] [--users 20]
           wall time of 'herald user list' (bin/herald.js, the CLI bundle) vs node -e '', and unbundled for context
  filter-routing [--devices 20000] [--rounds 3]
           routing alone of a push to a filter vs the same push to a topic (SQLite): time per audience
  web-budgets [--cached 1000] [--rounds 7] [--live 30]
           the topics web app in Chromium: initial JS (gzip), reload with N cached notifications, live message after the ack, vs plain-DOM pages
  (publish-pg, cluster-fanout --pg 1 and broadcast-pg use HERALD_BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test,
   a schema of their own per run; cluster-fanout uses HERALD_BENCH_REDIS_URL, default redis://127.0.0.1:6379/0, a prefix of its own)`;

const [name, ...args] = process.argv.slice(2);
if (!name || !(name in BENCHMARKS)) {
  console.error(USAGE);
  process.exit(2);
}

try {
  const bench = await BENCHMARKS[name as keyof typeof BENCHMARKS]();
  process.exitCode = await bench.main(args);
} catch (err) {
  if (err instanceof UsageError) {
    console.error(`${err.message}\n${USAGE}`);
    process.exit(2);
  }
  console.error(`harness failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
}
// Leftover handles (agents, child pipes) must not keep a finished run alive.
process.exit(process.exitCode);
