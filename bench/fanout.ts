/**
 * Fan-out latency: one topic, N/2 SSE + N/2 WebSocket subscribers (default 20,000) spread over
 * four client processes; 100 messages each carry their publish time, every receipt records
 * receive − publish (lib/fanout-run.ts, which also says how messages are paced). Baseline in
 * the same run: bench/servers/bare.ts (http + ws, no framework, no cache) with the same clients
 * and the same mix.
 */
import { CLIENT_PROCESSES, subscriberBudget } from './lib/clients.js';
import { GAP_NOTE, printFanoutResults, runFanout, type FanoutResult } from './lib/fanout-run.js';
import { makeTmpDir, profileFlags } from './lib/proc.js';
import { startBare, startHerald } from './lib/servers.js';
import { bar, fmt, int, parseOptions } from './lib/stats.js';

export async function main(args: string[]): Promise<number> {
  const opts = parseOptions(args, { subscribers: 20_000, messages: 100, profile: 0 });
  const budget = subscriberBudget(opts.subscribers);
  if (budget.note) console.log(`NOTE: ${budget.note}`);
  const perKind = budget.total / 2 / CLIENT_PROCESSES;
  console.log(`fanout: ${int(budget.total)} subscribers (${int(budget.total / 2)} SSE + ${int(budget.total / 2)} WS over ${CLIENT_PROCESSES} client processes), ${opts.messages} messages, ${GAP_NOTE}`);

  const tmp = makeTmpDir('fanout');
  const results: FanoutResult[] = [];
  try {
    for (const name of ['herald', 'bare'] as const) {
      const nodeFlags = profileFlags(opts.profile === 1, name);
      const server = name === 'herald' ? await startHerald({ dir: tmp.dir, nodeFlags }) : await startBare(tmp.dir, nodeFlags);
      try {
        results.push(await runFanout({ name, publishTo: server, subscribeTo: [server] }, perKind, opts.messages));
      } finally {
        await server.stop();
      }
    }
  } finally {
    tmp.remove();
  }

  printFanoutResults(results);
  const [herald, bare] = results as [FanoutResult, FanoutResult];
  const ratio = herald.p99 / bare.p99;
  console.log(`ratio herald p99 / bare p99 = ${fmt(ratio)}  (p50 ratio ${fmt(herald.p50 / bare.p50)})`);
  for (const r of results) {
    // A client process near a full core would hold receipts back and the latencies would be its own.
    if (r.busiestClientPct >= 75) console.log(`WARNING: ${r.name}: a subscriber client process used ${fmt(r.busiestClientPct, 0)} % of a core; the clients may be what the latencies measure`);
  }
  console.log(`load side: the ${CLIENT_PROCESSES} subscriber client processes used ${fmt(herald.clientsUsPerReceipt, 2)} µs (herald run) and ${fmt(bare.clientsUsPerReceipt, 2)} µs (bare run) of CPU per receipt, ` +
    `the servers ${fmt(herald.serverUsPerReceipt, 2)} and ${fmt(bare.serverUsPerReceipt, 2)} µs; busiest client ${fmt(Math.max(herald.busiestClientPct, bare.busiestClientPct), 0)} % of a core`);
  const lost = herald.expected - herald.received;
  bar('fanout: no receipt lost and herald p99 <= 2 x bare p99', lost === 0 && ratio <= 2, `lost ${int(Math.max(0, lost))} of ${int(herald.expected)}, ratio ${fmt(ratio)}`);
  return 0;
}
