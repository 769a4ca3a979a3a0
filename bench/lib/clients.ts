import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BENCH_DIST, HarnessError, nofileLimit, spawnNode, stopChild } from './proc.js';
import type { ClientCommand, ClientReport } from './protocol.js';

/** Subscriber processes per run: spreads socket work over the cores without the server's help. */
export const CLIENT_PROCESSES = 4;

/**
 * How many subscribers (half SSE, half WebSocket) fit. The server holds one fd per subscriber,
 * so the open-file hard limit caps the count; we keep headroom for its own files (listen socket,
 * SQLite and WAL, stdio, libuv) and round to an even split over the client processes.
 */
export function subscriberBudget(requested: number): { total: number; note?: string } {
  const limit = nofileLimit();
  const fit = Math.floor((limit - 128) / (2 * CLIENT_PROCESSES)) * 2 * CLIENT_PROCESSES;
  const even = Math.floor(requested / (2 * CLIENT_PROCESSES)) * 2 * CLIENT_PROCESSES;
  if (even <= fit) return { total: even };
  return {
    total: fit,
    note: `open-file hard limit here is ${limit} and cannot be raised (ulimit -n needs CAP_SYS_RESOURCE); ` +
      `running ${fit} subscribers instead of ${requested} so the server keeps 128 fds for itself`,
  };
}

/** The subscriber client processes of one run, all pointed at one server and topic. */
export class SubscriberPool {
  readonly #children: ChildProcess[];
  readonly #got = new Map<number, number>();
  readonly #listeners = new Set<(from: number, report: ClientReport) => void>();
  #failure: HarnessError | undefined;
  #onFailure: Array<(err: HarnessError) => void> = [];

  private constructor(children: ChildProcess[]) {
    this.#children = children;
    children.forEach((child, n) => {
      child.on('message', (report: ClientReport) => {
        if (report.type === 'got') this.#got.set(report.index, (this.#got.get(report.index) ?? 0) + 1);
        for (const listener of this.#listeners) listener(n, report);
      });
      child.once('exit', (code, signal) => this.#fail(new HarnessError(`subscriber client ${n} exited (${code ?? signal}) mid-run`)));
    });
  }

  /** The client processes' pids, for CPU accounting. */
  get pids(): number[] {
    return this.#children.map((c) => c.pid!);
  }

  /**
   * `baseUrl` is one server for every client process, or a list taken in turn (process n gets
   * `baseUrl[n % length]`), to spread the subscribers over several servers in equal shares.
   */
  static async start(baseUrl: string | readonly string[], topic: string, messages: number): Promise<SubscriberPool> {
    const script = join(BENCH_DIST, 'clients', 'subscriber.js');
    const urls = typeof baseUrl === 'string' ? [baseUrl] : baseUrl;
    const children = Array.from({ length: CLIENT_PROCESSES }, (_, n) => spawnNode(script, [urls[n % urls.length]!, topic, String(messages)], { ipc: true }));
    const pool = new SubscriberPool(children);
    await pool.#gather((r) => r.type === 'started', 15_000);
    return pool;
  }

  /** Opens `perProcess` subscriptions of one kind in every client process, all at once. */
  async open(kind: 'sse' | 'ws', perProcess: number): Promise<{ ok: number; failed: number; lastError: string }> {
    this.#broadcast({ cmd: 'open', kind, count: perProcess });
    const reports = await this.#gather((r) => r.type === 'opened' && r.kind === kind, 600_000);
    let ok = 0;
    let failed = 0;
    let lastError = '';
    for (const r of reports) {
      if (r.type !== 'opened') continue;
      ok += r.ok;
      failed += r.failed;
      lastError ||= r.lastError;
    }
    return { ok, failed, lastError };
  }

  /** Resolves true once every process has all its subscriptions' copy of message `index`, false on timeout. */
  waitDelivered(index: number, timeoutMs: number): Promise<boolean> {
    if ((this.#got.get(index) ?? 0) >= this.#children.length) return Promise.resolve(true);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(false), timeoutMs);
      const listener = () => {
        if ((this.#got.get(index) ?? 0) >= this.#children.length) done(true);
      };
      const onFail = (err: HarnessError) => {
        this.#listeners.delete(listener);
        clearTimeout(timer);
        reject(err);
      };
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
        this.#onFailure = this.#onFailure.filter((f) => f !== onFail);
        resolve(ok);
      };
      this.#listeners.add(listener);
      this.#onFailure.push(onFail);
      if (this.#failure) onFail(this.#failure);
    });
  }

  async collect(): Promise<{ sse: Float64Array[]; ws: Float64Array[]; alive: number; dropped: number }> {
    this.#broadcast({ cmd: 'collect' });
    const reports = await this.#gather((r) => r.type === 'latencies', 60_000);
    const out = { sse: [] as Float64Array[], ws: [] as Float64Array[], alive: 0, dropped: 0 };
    for (const r of reports) {
      if (r.type !== 'latencies') continue;
      out.sse.push(r.sse);
      out.ws.push(r.ws);
      out.alive += r.alive;
      out.dropped += r.dropped;
    }
    return out;
  }

  async exit(): Promise<void> {
    this.#failure ??= new HarnessError('pool closed');
    this.#broadcast({ cmd: 'exit' });
    await Promise.all(this.#children.map((c) => stopChild(c, 'SIGTERM', 10_000)));
  }

  #broadcast(command: ClientCommand): void {
    for (const child of this.#children) child.send(command);
  }

  #fail(err: HarnessError): void {
    if (this.#failure) return;
    this.#failure = err;
    for (const f of this.#onFailure) f(err);
  }

  /** Waits for one matching report from each process; the answer is in process order. */
  #gather(match: (r: ClientReport) => boolean, timeoutMs: number): Promise<ClientReport[]> {
    return new Promise((resolve, reject) => {
      const reports = new Map<number, ClientReport>();
      const finish = (err?: Error) => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
        this.#onFailure = this.#onFailure.filter((f) => f !== finish);
        if (err) reject(err);
        else resolve([...reports].sort(([a], [b]) => a - b).map(([, r]) => r));
      };
      const listener = (from: number, r: ClientReport) => {
        if (!match(r)) return;
        reports.set(from, r);
        if (reports.size === this.#children.length) finish();
      };
      const timer = setTimeout(() => finish(new HarnessError(`subscriber clients did not answer within ${timeoutMs} ms`)), timeoutMs);
      this.#listeners.add(listener);
      this.#onFailure.push(finish);
      if (this.#failure) finish(this.#failure);
    });
  }
}
