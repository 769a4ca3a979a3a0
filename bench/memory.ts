/**
 * Memory per idle subscriber: RSS of the server process (/proc/<pid>/status VmRSS) idle, after
 * N/2 SSE subscribers, and after N/2 more WebSocket subscribers (default N = 20,000, over four
 * client processes). Before each reading the server gets a full GC through its inspector and
 * a settle period, and the reading is the minimum of a few samples, so garbage from the
 * handshakes does not count as per-connection cost. Baseline in the same run: the bare
 * node:http + ws server (bench/servers/bare.ts) holding the same connections.
 */
import { CLIENT_PROCESSES, SubscriberPool, subscriberBudget } from './lib/clients.js';
import { CpuWatch, pctOfCore } from './lib/cpu.js';
import { forceGc } from './lib/gc.js';
import { HarnessError, freePort, makeTmpDir, rssKiB, sleep } from './lib/proc.js';
import { startBare, startHerald, type ServerChild } from './lib/servers.js';
import { bar, fmt, int, parseOptions, table } from './lib/stats.js';

const TOPIC = 'memory';
const SAMPLES = 5;
const SAMPLE_INTERVAL_MS = 400;
const BAR_KIB = 12;

interface MemoryResult {
  name: string;
  perKind: number;
  idle: number;
  afterSse: number;
  afterAll: number;
  gc: boolean;
}

const sseKiB = (r: MemoryResult) => (r.afterSse - r.idle) / r.perKind;
const wsKiB = (r: MemoryResult) => (r.afterAll - r.afterSse) / r.perKind;
const allKiB = (r: MemoryResult) => (r.afterAll - r.idle) / (2 * r.perKind);
const mib = (kib: number) => fmt(kib / 1024, 1);

export async function main(args: string[]): Promise<number> {
  const opts = parseOptions(args, { subscribers: 20_000, settle: 3 });
  const budget = subscriberBudget(opts.subscribers);
  if (budget.note) console.log(`NOTE: ${budget.note}`);
  const perKind = budget.total / 2;
  console.log(`memory: RSS of the server idle, after ${int(perKind)} idle SSE, after ${int(perKind)} more idle WS subscribers (${CLIENT_PROCESSES} client processes); forced GC + ${opts.settle} s settle + min of ${SAMPLES} samples per reading`);

  const tmp = makeTmpDir('memory');
  const results: MemoryResult[] = [];
  try {
    for (const name of ['herald', 'bare'] as const) {
      const inspectPort = await freePort();
      const nodeFlags = [`--inspect=127.0.0.1:${inspectPort}`];
      const server = name === 'herald' ? await startHerald({ dir: tmp.dir, nodeFlags }) : await startBare(tmp.dir, nodeFlags);
      try {
        results.push(await measure(server, inspectPort, perKind, opts.settle * 1000));
      } finally {
        await server.stop();
      }
    }
  } finally {
    tmp.remove();
  }

  console.log('');
  console.log(table([
    ['server', 'idle MiB', '+SSE MiB', '+SSE+WS MiB', 'SSE KiB/conn', 'WS KiB/conn', 'all KiB/conn'],
    ...results.map((r) => [r.name, mib(r.idle), mib(r.afterSse), mib(r.afterAll), fmt(sseKiB(r)), fmt(wsKiB(r)), fmt(allKiB(r))]),
  ]));
  const [herald, bare] = results as [MemoryResult, MemoryResult];
  if (!herald.gc || !bare.gc) console.log('(inspector unreachable: readings without forced GC)');
  console.log(`ratio herald/bare per connection: SSE ${fmt(sseKiB(herald) / sseKiB(bare))}, WS ${fmt(wsKiB(herald) / wsKiB(bare))}, all ${fmt(allKiB(herald) / allKiB(bare))}`);
  bar(`memory: herald growth per idle connection <= ${BAR_KIB} KiB`, allKiB(herald) <= BAR_KIB, `${fmt(allKiB(herald))} KiB (bare ${fmt(allKiB(bare))} KiB)`);
  return 0;
}

async function measure(server: ServerChild, inspectPort: number, perKind: number, settleMs: number): Promise<MemoryResult> {
  const perProcess = perKind / CLIENT_PROCESSES;
  let gc = true;
  let clientPids: Record<string, number> = {};
  const reading = async (label: string) => {
    await sleep(settleMs);
    // Idle subscribers should cost no CPU while RSS is read; printed so a busy load side would show.
    const cpu = new CpuWatch({ server: server.pid, ...clientPids });
    gc = (await forceGc(inspectPort)) && gc;
    let min = Infinity;
    for (let i = 0; i < SAMPLES; i++) {
      min = Math.min(min, rssKiB(server.pid));
      await sleep(SAMPLE_INTERVAL_MS);
    }
    const used = cpu.read();
    const clients = Object.keys(clientPids).reduce((n, k) => n + used.cpuMs[k]!, 0);
    console.log(`${server.name}: ${label} RSS ${mib(min)} MiB (CPU during the reading, forced GC included, % of one core: server ${fmt(pctOfCore(used.cpuMs.server!, used.wallMs), 0)}` +
      `${Object.keys(clientPids).length ? `, subscriber clients ${fmt(pctOfCore(clients, used.wallMs), 0)}` : ''}; machine ${fmt(used.machineBusy * 100, 0)} % busy)`);
    return min;
  };

  const idle = await reading('idle');
  const pool = await SubscriberPool.start(server.url, TOPIC, 1);
  clientPids = Object.fromEntries(pool.pids.map((pid, n) => [`client${n}`, pid]));
  try {
    const sse = await pool.open('sse', perProcess);
    if (sse.failed) throw new HarnessError(`${server.name}: ${sse.failed} SSE subscriptions failed to open (${sse.lastError})`);
    const afterSse = await reading(`${int(sse.ok)} SSE`);
    const ws = await pool.open('ws', perProcess);
    if (ws.failed) throw new HarnessError(`${server.name}: ${ws.failed} WS subscriptions failed to open (${ws.lastError})`);
    const afterAll = await reading(`${int(sse.ok)} SSE + ${int(ws.ok)} WS`);
    const { alive } = await pool.collect();
    if (alive !== 2 * perKind) throw new HarnessError(`${server.name}: only ${alive} of ${2 * perKind} subscriptions still open at the end`);
    return { name: server.name, perKind, idle, afterSse, afterAll, gc };
  } finally {
    await pool.exit();
  }
}
