/**
 * One fan-out measurement, shared by `fanout` (one server) and `cluster-fanout` (subscribers on
 * several Herald processes, published to one): N/2 SSE + N/2 WebSocket subscribers over the
 * client processes, then messages that carry their publish time, each receipt recording
 * receive − publish.
 *
 * Pacing: message i+1 goes out 20 ms after every subscriber has message i (or after a 10 s
 * timeout). A fixed open-loop 20 ms cadence would overload a 2-core box where the servers and
 * 20,000 client sockets share the cores, and the figure would measure queue build-up instead
 * of the time to fan one message out.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { CLIENT_PROCESSES, SubscriberPool } from './clients.js';
import { CORES, CpuWatch, pctOfCore } from './cpu.js';
import { HarnessError, sleep } from './proc.js';
import type { ServerChild } from './servers.js';
import { fmt, int, mergeSorted, percentile, table } from './stats.js';

export const TOPIC = 'fanout';
const GAP_MS = 20;
export const DELIVERY_TIMEOUT_MS = 10_000;

export interface FanoutResult {
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
  /** % of one core used by the subscriber client processes together, and by the server(s) together, during the messages. */
  clientsPct: number;
  serverPct: number;
  /** The same CPU per receipt, in µs: the clients' against the server's shows which side did the work. */
  clientsUsPerReceipt: number;
  serverUsPerReceipt: number;
  /** % of one core used by the busiest client process: far from 100 means no client held receipts back. */
  busiestClientPct: number;
}

export interface FanoutTarget {
  /** Names the run in the output. */
  name: string;
  /** Where the messages are published. */
  publishTo: ServerChild;
  /** Where the subscribers connect, the client processes taken in turn (publishTo may be one of them). */
  subscribeTo: readonly ServerChild[];
}

export const GAP_NOTE = `next message ${GAP_MS} ms after the previous one is fully delivered`;

/** One run's messages, all at once (`fanout`), or in blocks that alternate with another run's (`cluster-fanout`). */
export async function runFanout(target: FanoutTarget, perKind: number, messages: number): Promise<FanoutResult> {
  const session = await FanoutSession.open(target, perKind, messages);
  try {
    await session.send(messages);
    return await session.finish();
  } finally {
    await session.close();
  }
}

/**
 * Open subscribers on one target, messages sent in as many blocks as the caller likes, then the
 * receipts. Between blocks the subscribers sit idle, which costs neither side anything, so two
 * sessions can take turns on a shared box and share its background drift, as publish's slices do.
 */
export class FanoutSession {
  readonly #target: FanoutTarget;
  readonly #pool: SubscriberPool;
  readonly #messages: number;
  readonly #started: number;
  readonly #subscribers: number;
  readonly #openFailed: number;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 1 });
  readonly #pids: Record<string, number>;
  readonly #clientKeys: string[];
  readonly #serverKeys: string[];
  /** CPU ms per watched process over the blocks, their wall time, and the machine's busy ms (all cores). */
  readonly #cpuMs: Record<string, number> = {};
  #wallMs = 0;
  #machineBusyMs = 0;
  #harnessMs = 0;
  #next = 0;
  #publishErrors = 0;
  #timeouts = 0;

  private constructor(target: FanoutTarget, pool: SubscriberPool, messages: number, started: number, subscribers: number, openFailed: number) {
    this.#target = target;
    this.#pool = pool;
    this.#messages = messages;
    this.#started = started;
    this.#subscribers = subscribers;
    this.#openFailed = openFailed;
    const { publishTo, subscribeTo } = target;
    // The load side is not free here: 20,000 client sockets parse every message on the same
    // cores as the server. What each side used during the messages is printed with the result.
    const clients = Object.fromEntries(pool.pids.map((pid, n) => [`client${n}`, pid]));
    const servers = Object.fromEntries(subscribeTo.concat(subscribeTo.includes(publishTo) ? [] : [publishTo]).map((srv, n) => [`server${n}`, srv.pid]));
    this.#pids = { ...servers, ...clients };
    this.#clientKeys = Object.keys(clients);
    this.#serverKeys = Object.keys(servers);
  }

  static async open(target: FanoutTarget, perKind: number, messages: number): Promise<FanoutSession> {
    const { name, subscribeTo } = target;
    const started = performance.now();
    const pool = await SubscriberPool.start(subscribeTo.map((srv) => srv.url), TOPIC, messages);
    try {
      // SSE first, then WebSocket: both kinds in flight at once would only add handshake noise.
      const sseOpen = await pool.open('sse', perKind);
      const wsOpen = await pool.open('ws', perKind);
      const openFailed = sseOpen.failed + wsOpen.failed;
      const openError = sseOpen.lastError || wsOpen.lastError;
      console.log(`${name}: ${int(sseOpen.ok)} SSE + ${int(wsOpen.ok)} WS subscribers open in ${fmt((performance.now() - started) / 1000, 1)} s${openFailed ? ` (${openFailed} failed: ${openError})` : ''}`);
      if (sseOpen.ok + wsOpen.ok === 0) throw new HarnessError(`${name}: no subscriber could connect (${openError})`);
      await sleep(1000);
      return new FanoutSession(target, pool, messages, started, perKind * 2 * CLIENT_PROCESSES, openFailed);
    } catch (err) {
      await pool.exit();
      throw err;
    }
  }

  /** Publishes the next `count` messages (at most up to the total), each once the previous one has reached everyone. */
  async send(count: number): Promise<void> {
    const cpu = new CpuWatch(this.#pids);
    const harness0 = process.cpuUsage();
    const end = Math.min(this.#messages, this.#next + count);
    for (; this.#next < end; this.#next++) {
      const i = this.#next;
      const status = await publish(this.#target.publishTo.url, this.#agent, `t=${(performance.timeOrigin + performance.now()).toFixed(3)} i=${i}`);
      if (status !== 200) this.#publishErrors++;
      else if (!(await this.#pool.waitDelivered(i, DELIVERY_TIMEOUT_MS))) this.#timeouts++;
      await sleep(GAP_MS);
    }
    const used = cpu.read();
    const harness = process.cpuUsage(harness0);
    this.#harnessMs += (harness.user + harness.system) / 1000;
    for (const [k, ms] of Object.entries(used.cpuMs)) this.#cpuMs[k] = (this.#cpuMs[k] ?? 0) + ms;
    this.#wallMs += used.wallMs;
    this.#machineBusyMs += used.machineBusy * used.wallMs;
  }

  /** Prints the CPU shares over the blocks, collects every receipt, and answers the result. */
  async finish(): Promise<FanoutResult> {
    const { name, publishTo, subscribeTo } = this.#target;
    const wall = this.#wallMs;
    const clientShares = this.#clientKeys.map((k) => pctOfCore(this.#cpuMs[k] ?? 0, wall));
    const clientsTotal = clientShares.reduce((a, b) => a + b, 0);
    const serverShares = this.#serverKeys.map((k) => pctOfCore(this.#cpuMs[k] ?? 0, wall));
    const serverTotal = serverShares.reduce((a, b) => a + b, 0);
    const serversText = serverShares.length === 1 ? `server ${fmt(serverTotal, 0)}` : `servers ${fmt(serverTotal, 0)} (${serverShares.map((v) => fmt(v, 0)).join(' + ')})`;
    console.log(`${name}: CPU during the ${this.#next} messages (${fmt(wall / 1000, 1)} s), % of one core (${CORES} cores): ` +
      `${serversText}, ${clientShares.length} subscriber clients ${fmt(clientsTotal, 0)} ` +
      `(busiest ${fmt(Math.max(...clientShares), 0)}), publisher/harness ${fmt(pctOfCore(this.#harnessMs, wall), 0)}, other processes ${fmt(Math.max(0, (CORES * 100 * this.#machineBusyMs) / Math.max(1, wall) - serverTotal - clientsTotal - pctOfCore(this.#harnessMs, wall)), 0)}; machine ${fmt((100 * this.#machineBusyMs) / Math.max(1, wall), 0)} % busy`);
    // Stragglers of a timed-out message still count as received if they arrive now.
    if (this.#timeouts) await sleep(2000);
    const collected = await this.#pool.collect();
    const all = mergeSorted([...collected.sse, ...collected.ws]);
    const sse = mergeSorted(collected.sse);
    const ws = mergeSorted(collected.ws);
    const result: FanoutResult = {
      name,
      subscribers: this.#subscribers,
      openFailed: this.#openFailed,
      expected: this.#subscribers * this.#next,
      received: all.length,
      dropped: collected.dropped,
      publishErrors: this.#publishErrors,
      timeouts: this.#timeouts,
      p50: percentile(all, 50),
      p99: percentile(all, 99),
      max: all.length ? all[all.length - 1]! : NaN,
      seconds: (performance.now() - this.#started) / 1000,
      clientsPct: clientsTotal,
      serverPct: serverTotal,
      clientsUsPerReceipt: (1000 * clientsTotal * wall) / 100 / Math.max(1, all.length),
      serverUsPerReceipt: (1000 * serverTotal * wall) / 100 / Math.max(1, all.length),
      busiestClientPct: Math.max(...clientShares),
    };
    console.log(`${name}: ${int(result.received)} / ${int(result.expected)} receipts, p50 ${fmt(result.p50)} ms, p99 ${fmt(result.p99)} ms, max ${fmt(result.max)} ms` +
      ` (SSE p50 ${fmt(percentile(sse, 50))} p99 ${fmt(percentile(sse, 99))}; WS p50 ${fmt(percentile(ws, 50))} p99 ${fmt(percentile(ws, 99))})`);
    console.log(`${name}: CPU per receipt: ${clientShares.length} subscriber clients ${fmt(result.clientsUsPerReceipt, 2)} µs, ` +
      `${serverShares.length === 1 ? 'server' : 'servers'} ${fmt(result.serverUsPerReceipt, 2)} µs (clients/server ${fmt(result.clientsUsPerReceipt / result.serverUsPerReceipt)})`);
    if (subscribeTo.length > 1) {
      // Client process n subscribed on subscribeTo[n % length] (SubscriberPool.start), and collect() answers in process order.
      for (const [k, server] of subscribeTo.entries()) {
        const mine = (n: number) => n % subscribeTo.length === k;
        const here = mergeSorted([...collected.sse.filter((_, n) => mine(n)), ...collected.ws.filter((_, n) => mine(n))]);
        console.log(`${name}:   subscribers on ${server.name}${server === publishTo ? ' (the publishing node)' : ''}: ${int(here.length)} receipts, ` +
          `p50 ${fmt(percentile(here, 50))} ms, p99 ${fmt(percentile(here, 99))} ms, max ${fmt(here.length ? here[here.length - 1]! : NaN)} ms`);
      }
    }
    return result;
  }

  /** Closes the subscriber clients (after finish, or on a failure). */
  async close(): Promise<void> {
    this.#agent.destroy();
    await this.#pool.exit();
  }
}

/** The results table and the lines on anything that went wrong in a run. */
export function printFanoutResults(results: FanoutResult[]): void {
  console.log('');
  console.log(table([
    ['run', 'subscribers', 'received', 'expected', 'lost', 'p50 ms', 'p99 ms', 'max ms', 'run s', 'server CPU %', 'clients CPU %', 'busiest client %', 'server µs/receipt', 'clients µs/receipt'],
    ...results.map((r) => [r.name, int(r.subscribers), int(r.received), int(r.expected), int(Math.max(0, r.expected - r.received)), fmt(r.p50), fmt(r.p99), fmt(r.max), fmt(r.seconds, 1),
      fmt(r.serverPct, 0), fmt(r.clientsPct, 0), fmt(r.busiestClientPct, 0), fmt(r.serverUsPerReceipt, 2), fmt(r.clientsUsPerReceipt, 2)]),
  ]));
  for (const r of results) {
    if (r.openFailed || r.dropped || r.publishErrors || r.timeouts) {
      console.log(`${r.name}: ${r.openFailed} subscriptions failed to open, ${r.dropped} dropped mid-run, ${r.publishErrors} publish errors, ${r.timeouts} messages not fully delivered within ${DELIVERY_TIMEOUT_MS} ms`);
    }
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
