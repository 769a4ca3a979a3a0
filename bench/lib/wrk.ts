import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { HarnessError, ROOT, spawnNode } from './proc.js';

/**
 * wrk (C, one epoll loop per thread) is the HTTP load generator of the request-throughput
 * benchmarks. A load tool in Node on the same two cores capped the baseline's figure at its own
 * speed; wrk needs a fraction of a core for the same rate, and each run reports its CPU time so
 * the output shows it.
 */
export const WRK_SCRIPT = join(ROOT, 'bench', 'wrk', 'post.lua');

/** wrk's version string; a harness error saying how to install it when it is missing. */
export function requireWrk(): string {
  const probe = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  // `wrk -v` prints its version and exits 1, so only a failed start means it is missing.
  if (probe.error) {
    throw new HarnessError('wrk not found. It is the load generator of this benchmark (not needed by npm test): ' +
      'apt-get install wrk (Debian, Ubuntu), brew install wrk (macOS), or build it from https://github.com/wg/wrk');
  }
  return /^wrk (\S+)/.exec(probe.stdout)?.[1] ?? 'unknown version';
}

export interface WrkOptions {
  url: string;
  body: string;
  threads: number;
  connections: number;
  seconds: number;
}

/** The command line of one run, printed once so a reader can repeat it by hand. */
export function wrkArgs(o: WrkOptions): string[] {
  return [`-t${o.threads}`, `-c${o.connections}`, `-d${o.seconds}s`, '--timeout', '5s', '-s', WRK_SCRIPT, o.url, '--', o.body];
}

export interface WrkResult {
  seconds: number;
  /** Completed requests, whatever their status. */
  requests: number;
  /** Answers with a status > 399. */
  status4xx5xx: number;
  socketErrors: number;
  /** Answers that took longer than the timeout (they count as completed but have no latency sample). */
  timeouts: number;
  /** wrk's own CPU time (all threads, from its start). */
  cpuSeconds: number;
  /** [latency µs, count] for every distinct latency. */
  latencyUs: Array<[number, number]>;
}

interface Reported {
  durationUs: number;
  requests: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  cpuSeconds: number;
  latencyUs: Array<[number, number]>;
}

/** Runs wrk once with bench/wrk/post.lua and reads the line its done() hook prints. */
export function runWrk(o: WrkOptions, logFile: string): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const child = spawnNode('wrk', wrkArgs(o), { raw: true, stdout: true, logFile, ownSession: true });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('WRK-RESULT '));
      if (code !== 0 || !line) return reject(new HarnessError(`wrk failed (${code}); stderr in ${logFile}:\n${out.slice(-2000)}`));
      const r = JSON.parse(line.slice('WRK-RESULT '.length)) as Reported;
      resolve({
        seconds: r.durationUs / 1e6,
        requests: r.requests,
        status4xx5xx: r.errors.status,
        socketErrors: r.errors.connect + r.errors.read + r.errors.write,
        timeouts: r.errors.timeout,
        cpuSeconds: r.cpuSeconds,
        latencyUs: r.latencyUs,
      });
    });
  });
}

export interface WrkMerged extends Omit<WrkResult, 'latencyUs'> {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Slices merged exactly: counters summed, latency histograms added before taking percentiles. */
export function mergeWrk(slices: WrkResult[]): WrkMerged {
  const sum = (f: (s: WrkResult) => number) => slices.reduce((n, s) => n + f(s), 0);
  const histogram = new Map<number, number>();
  for (const s of slices) for (const [us, n] of s.latencyUs) histogram.set(us, (histogram.get(us) ?? 0) + n);
  const sorted = [...histogram].sort((a, b) => a[0] - b[0]);
  const samples = sorted.reduce((n, [, c]) => n + c, 0);
  const at = (p: number): number => {
    const rank = Math.max(1, Math.ceil((p / 100) * samples));
    let seen = 0;
    for (const [us, n] of sorted) if ((seen += n) >= rank) return us / 1000;
    return NaN;
  };
  return {
    seconds: sum((s) => s.seconds),
    requests: sum((s) => s.requests),
    status4xx5xx: sum((s) => s.status4xx5xx),
    socketErrors: sum((s) => s.socketErrors),
    timeouts: sum((s) => s.timeouts),
    cpuSeconds: sum((s) => s.cpuSeconds),
    p50Ms: at(50),
    p99Ms: at(99),
    maxMs: sorted.length ? sorted[sorted.length - 1]![0] / 1000 : NaN,
  };
}
