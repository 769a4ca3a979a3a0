/**
 * What `publish` and `publish-pg` share: wrk slices against a server with the CPU each side used,
 * slices merged into one measurement, and the durability counts (lines of `poll=1`, rows in a
 * SQLite cache file).
 */
import Database from 'better-sqlite3';
import { get } from 'node:http';
import { CpuWatch, pctOfCore } from './cpu.js';
import { HarnessError } from './proc.js';
import type { ServerChild } from './servers.js';
import { mergeWrk, runWrk, type WrkMerged, type WrkOptions, type WrkResult } from './wrk.js';

export const TOPIC = 'bench';
export const BODY = 'bench message';

/** CPU of processes working for a server outside it (PostgreSQL's backends), from start to read. */
export interface HelperCpu {
  read(): Promise<{ ms: number }>;
}

/** One slice: wrk's figures and the CPU each side used meanwhile. */
export interface Slice {
  wrk: WrkResult;
  wallMs: number;
  serverMs: number;
  /** CPU of the server's helper processes (0 when it has none). */
  helperMs: number;
  /** Share of all cores busy over the slice, whoever used them. */
  machineBusy: number;
}

export interface Measured {
  name: string;
  /** Acknowledged publishes during warm-up: they must be cached too. */
  warmupAcked: number;
  merged: WrkMerged;
  /** Answers below 400. Both servers answer a publish 200 or an error status > 399. */
  acked: number;
  reqPerSec: number;
  wallMs: number;
  serverPct: number;
  helperPct: number;
  wrkPct: number;
  /** The highest share of one core wrk used in any single slice. */
  wrkMaxPct: number;
  machinePct: number;
}

/** Answers below 400: wrk counts only statuses > 399 (summary.errors.status), see bench/wrk/post.lua. */
export const acked = (r: { requests: number; status4xx5xx: number }) => r.requests - r.status4xx5xx;

/** Server CPU time (all its threads) per completed request, in µs. */
export const serverUsPerReq = (m: Measured) => ((m.serverPct / 100) * m.wallMs * 1000) / m.merged.requests;

/** Helper processes' CPU time per completed request, in µs. */
export const helperUsPerReq = (m: Measured) => ((m.helperPct / 100) * m.wallMs * 1000) / m.merged.requests;

export async function runSlice(server: ServerChild, options: WrkOptions, logFile: string, helpers?: () => Promise<HelperCpu>): Promise<Slice> {
  const helper = await helpers?.();
  const cpu = new CpuWatch({ server: server.pid });
  const wrk = await runWrk(options, logFile);
  const used = cpu.read();
  const helperMs = helper ? (await helper.read()).ms : 0;
  if (acked(wrk) === 0) throw new HarnessError(`${server.name}: no 2xx answer (${wrk.requests} answers, ${wrk.status4xx5xx} with status > 399, ${wrk.socketErrors} socket errors)`);
  return { wrk, wallMs: used.wallMs, serverMs: used.cpuMs.server!, helperMs, machineBusy: used.machineBusy };
}

export function measure(name: string, warmupAcked: number, slices: Slice[]): Measured {
  const merged = mergeWrk(slices.map((s) => s.wrk));
  const wallMs = slices.reduce((n, s) => n + s.wallMs, 0);
  return {
    name,
    warmupAcked,
    merged,
    acked: acked(merged),
    reqPerSec: merged.requests / merged.seconds,
    wallMs,
    serverPct: pctOfCore(slices.reduce((n, s) => n + s.serverMs, 0), wallMs),
    helperPct: pctOfCore(slices.reduce((n, s) => n + s.helperMs, 0), wallMs),
    wrkPct: pctOfCore(merged.cpuSeconds * 1000, wallMs),
    wrkMaxPct: Math.max(...slices.map((s) => pctOfCore(s.wrk.cpuSeconds * 1000, s.wallMs))),
    machinePct: (100 * slices.reduce((n, s) => n + s.machineBusy * s.wallMs, 0)) / wallMs,
  };
}

export const shellQuote = (arg: string) => (/^[-\w./:=@]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/** Counts NDJSON lines by streaming: the answer can be tens of thousands of messages. */
export function pollCount(baseUrl: string): Promise<number> {
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

export function sqliteCount(file: string): number {
  const db = new Database(file, { fileMustExist: true });
  try {
    return (db.prepare('select count(*) as n from messages where topic = ?').get(TOPIC) as { n: number }).n;
  } finally {
    db.close();
  }
}
