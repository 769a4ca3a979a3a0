/**
 * What one wrk run of bench/wrk/post.lua reports, and slices merged exactly. No I/O here, so the
 * unit tests can import it.
 */
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

/** The WRK-RESULT line of post.lua's done() hook in wrk's stdout; undefined when there is none. */
export function parseWrkOutput(out: string): WrkResult | undefined {
  const line = out.split('\n').find((l) => l.startsWith('WRK-RESULT '));
  if (!line) return undefined;
  const r = JSON.parse(line.slice('WRK-RESULT '.length)) as Reported;
  return {
    seconds: r.durationUs / 1e6,
    requests: r.requests,
    status4xx5xx: r.errors.status,
    socketErrors: r.errors.connect + r.errors.read + r.errors.write,
    timeouts: r.errors.timeout,
    cpuSeconds: r.cpuSeconds,
    latencyUs: r.latencyUs,
  };
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
