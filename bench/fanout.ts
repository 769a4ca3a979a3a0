/**
 * Fan-out latency: one topic, N/2 SSE + N/2 WebSocket subscribers (default 20,000) spread over
 * four client processes; 100 messages each carry their publish time, every receipt records
 * receive − publish. Baseline in the same run: bench/servers/bare.ts (http + ws, no framework,
 * no cache) with the same clients and the same mix.
 *
 * Pacing: message i+1 goes out 20 ms after every subscriber has message i (or after a 10 s
 * timeout). A fixed open-loop 20 ms cadence would overload a 2-core box where the server and
 * 20,000 client sockets share the cores, and the figure would measure queue build-up instead
 * of the time to fan one message out.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { CLIENT_PROCESSES, SubscriberPool, subscriberBudget } from './lib/clients.js';
import { CORES, CpuWatch, pctOfCore } from './lib/cpu.js';
import { HarnessError, makeTmpDir, profileFlags, sleep } from './lib/proc.js';
import { startBare, startHerald, type ServerChild } from './lib/servers.js';
import { bar, fmt, int, mergeSorted, parseOptions, percentile, table } from './lib/stats.js';

const TOPIC = 'fanout';
const GAP_MS = 20;
const DELIVERY_TIMEOUT_MS = 10_000;

interface FanoutResult {
  name: string;
  subscribers: number;
  openFailed: number;
  expected: number;
  received: number;
  dropped: number;
  publishErrors: number;
  timeouts: number;
  p50: number;
  p99: number;
  max: number;
  seconds: number;
  /** % of one core used by the subscriber client processes together, and by the server, during the messages. */
  clientsPct: number;
  serverPct: number;
}

export async function main(args: string[]): Promise<number> {
  const opts = parseOptions(args, { subscribers: 20_000, messages: 100, profile: 0 });
  const budget = subscriberBudget(opts.subscribers);
  if (budget.note) console.log(`NOTE: ${budget.note}`);
  const perKind = budget.total / 2 / CLIENT_PROCESSES;
  console.log(`fanout: ${int(budget.total)} subscribers (${int(budget.total / 2)} SSE + ${int(budget.total / 2)} WS over ${CLIENT_PROCESSES} client processes), ${opts.messages} messages, next message ${GAP_MS} ms after the previous one is fully delivered`);

  const tmp = makeTmpDir('fanout');
  const results: FanoutResult[] = [];
  try {
    for (const name of ['herald', 'bare'] as const) {
      const nodeFlags = profileFlags(opts.profile === 1, name);
      const server = name === 'herald' ? await startHerald({ dir: tmp.dir, nodeFlags }) : await startBare(tmp.dir, nodeFlags);
      try {
        results.push(await runOne(server, perKind, opts.messages));
      } finally {
        await server.stop();
      }
    }
  } finally {
    tmp.remove();
  }

  console.log('');
  console.log(table([
    ['server', 'subscribers', 'received', 'expected', 'lost', 'p50 ms', 'p99 ms', 'max ms', 'run s', 'server CPU %', 'clients CPU %'],
    ...results.map((r) => [r.name, int(r.subscribers), int(r.received), int(r.expected), int(Math.max(0, r.expected - r.received)), fmt(r.p50), fmt(r.p99), fmt(r.max), fmt(r.seconds, 1),
      fmt(r.serverPct, 0), fmt(r.clientsPct, 0)]),
  ]));
  for (const r of results) {
    if (r.openFailed || r.dropped || r.publishErrors || r.timeouts) {
      console.log(`${r.name}: ${r.openFailed} subscriptions failed to open, ${r.dropped} dropped mid-run, ${r.publishErrors} publish errors, ${r.timeouts} messages not fully delivered within ${DELIVERY_TIMEOUT_MS} ms`);
    }
  }
  const [herald, bare] = results as [FanoutResult, FanoutResult];
  const ratio = herald.p99 / bare.p99;
  console.log(`ratio herald p99 / bare p99 = ${fmt(ratio)}  (p50 ratio ${fmt(herald.p50 / bare.p50)})`);
  const lost = herald.expected - herald.received;
  bar('fanout: no receipt lost and herald p99 <= 2 x bare p99', lost === 0 && ratio <= 2, `lost ${int(Math.max(0, lost))} of ${int(herald.expected)}, ratio ${fmt(ratio)}`);
  return 0;
}

async function runOne(server: ServerChild, perKind: number, messages: number): Promise<FanoutResult> {
  const started = performance.now();
  const pool = await SubscriberPool.start(server.url, TOPIC, messages);
  try {
    // SSE first, then WebSocket: both kinds in flight at once would only add handshake noise.
    const sseOpen = await pool.open('sse', perKind);
    const wsOpen = await pool.open('ws', perKind);
    const subscribers = perKind * 2 * CLIENT_PROCESSES;
    const openFailed = sseOpen.failed + wsOpen.failed;
    const openError = sseOpen.lastError || wsOpen.lastError;
    console.log(`${server.name}: ${int(sseOpen.ok)} SSE + ${int(wsOpen.ok)} WS subscribers open in ${fmt((performance.now() - started) / 1000, 1)} s${openFailed ? ` (${openFailed} failed: ${openError})` : ''}`);
    if (sseOpen.ok + wsOpen.ok === 0) throw new HarnessError(`${server.name}: no subscriber could connect (${openError})`);
    await sleep(1000);

    // The load side is not free here: 20,000 client sockets parse every message on the same
    // cores as the server. What each side used during the messages is printed with the result.
    const clientPids = Object.fromEntries(pool.pids.map((pid, n) => [`client${n}`, pid]));
    const cpu = new CpuWatch({ server: server.pid, ...clientPids });
    const harness0 = process.cpuUsage();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let publishErrors = 0;
    let timeouts = 0;
    for (let i = 0; i < messages; i++) {
      const status = await publish(server.url, agent, `t=${(performance.timeOrigin + performance.now()).toFixed(3)} i=${i}`);
      if (status !== 200) publishErrors++;
      else if (!(await pool.waitDelivered(i, DELIVERY_TIMEOUT_MS))) timeouts++;
      await sleep(GAP_MS);
    }
    agent.destroy();
    const used = cpu.read();
    const harnessMs = (() => {
      const d = process.cpuUsage(harness0);
      return (d.user + d.system) / 1000;
    })();
    const clientShares = Object.keys(clientPids).map((k) => pctOfCore(used.cpuMs[k]!, used.wallMs));
    const clientsTotal = clientShares.reduce((a, b) => a + b, 0);
    console.log(`${server.name}: CPU during the ${messages} messages (${fmt(used.wallMs / 1000, 1)} s), % of one core (${CORES} cores): ` +
      `server ${fmt(pctOfCore(used.cpuMs.server!, used.wallMs), 0)}, ${clientShares.length} subscriber clients ${fmt(clientsTotal, 0)} ` +
      `(busiest ${fmt(Math.max(...clientShares), 0)}), publisher/harness ${fmt(pctOfCore(harnessMs, used.wallMs), 0)}; machine ${fmt(used.machineBusy * 100, 0)} % busy`);
    // Stragglers of a timed-out message still count as received if they arrive now.
    if (timeouts) await sleep(2000);
    const collected = await pool.collect();
    const all = mergeSorted([...collected.sse, ...collected.ws]);
    const sse = mergeSorted(collected.sse);
    const ws = mergeSorted(collected.ws);
    const result: FanoutResult = {
      name: server.name,
      subscribers,
      openFailed,
      expected: subscribers * messages,
      received: all.length,
      dropped: collected.dropped,
      publishErrors,
      timeouts,
      p50: percentile(all, 50),
      p99: percentile(all, 99),
      max: all.length ? all[all.length - 1]! : NaN,
      seconds: (performance.now() - started) / 1000,
      clientsPct: clientsTotal,
      serverPct: pctOfCore(used.cpuMs.server!, used.wallMs),
    };
    console.log(`${server.name}: ${int(result.received)} / ${int(result.expected)} receipts, p50 ${fmt(result.p50)} ms, p99 ${fmt(result.p99)} ms, max ${fmt(result.max)} ms` +
      ` (SSE p50 ${fmt(percentile(sse, 50))} p99 ${fmt(percentile(sse, 99))}; WS p50 ${fmt(percentile(ws, 50))} p99 ${fmt(percentile(ws, 99))})`);
    return result;
  } finally {
    await pool.exit();
  }
}

function publish(baseUrl: string, agent: Agent, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}/${TOPIC}`, { method: 'POST', agent, headers: { 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (err) => reject(new HarnessError(`publish failed: ${err.message}`)));
    req.end(body);
  });
}
