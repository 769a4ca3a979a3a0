import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';

/** Kernel clock ticks per second, the unit of /proc/<pid>/stat and /proc/stat times. */
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

export const CORES = availableParallelism();

/** CPU time (user + system, all threads) a process has used so far, in ms, from /proc/<pid>/stat. */
export function cpuMs(pid: number, file = `/proc/${pid}/stat`): number {
  const stat = readFileSync(file, 'utf8');
  // Fields after the command name, which may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** CPU time (user + system) of each thread of a process so far, in ms, by thread id (the main thread's is the pid). */
export function threadCpuMs(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(Number(tid), cpuMs(Number(tid), `/proc/${pid}/task/${tid}/stat`));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/** Busy and total CPU time of the whole machine so far (all cores), in ms, from /proc/stat. */
function machineMs(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0); // idle + iowait
  return { busy: ((total - idle) * 1000) / CLK_TCK, total: (total * 1000) / CLK_TCK };
}

export interface CpuShares {
  wallMs: number;
  /** CPU ms each watched process used over the interval, by the name it was watched under. */
  cpuMs: Record<string, number>;
  /** Share of the whole machine (all cores) that was busy, 0..1, whoever used it. */
  machineBusy: number;
}

/**
 * Watches named processes from now on: `read()` answers how much CPU each used since, and how
 * busy the machine was, so a run can show which side (server or load tool) had the cores.
 */
export class CpuWatch {
  readonly #pids: Record<string, number>;
  readonly #startMs: Record<string, number> = {};
  readonly #startWall = performance.now();
  readonly #startMachine = machineMs();

  constructor(pids: Record<string, number>) {
    this.#pids = pids;
    for (const [name, pid] of Object.entries(pids)) this.#startMs[name] = cpuMs(pid);
  }

  read(): CpuShares {
    const machine = machineMs();
    const used: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.#pids)) used[name] = cpuMs(pid) - this.#startMs[name]!;
    const total = machine.total - this.#startMachine.total;
    return {
      wallMs: performance.now() - this.#startWall,
      cpuMs: used,
      machineBusy: total > 0 ? (machine.busy - this.#startMachine.busy) / total : 0,
    };
  }
}

/** `ms` of CPU over `wallMs` as a percentage of one core. */
export const pctOfCore = (ms: number, wallMs: number) => (100 * ms) / wallMs;

/**
 * Follows one child's CPU time (all threads) until it exits, for a load tool that runs to its
 * end by itself (h2load): /proc/<pid>/stat is read every `everyMs` and the last reading before
 * the exit is kept, so at most `everyMs` of the child's CPU at its very end goes uncounted.
 */
export function followCpu(pid: number, everyMs = 20): { stop(): number } {
  // The child's CPU counts from its start (0), not from the first reading.
  let last = 0;
  const read = () => {
    try {
      last = cpuMs(pid);
    } catch {
      // Exited (or not yet readable): keep the last reading.
    }
  };
  read();
  const timer = setInterval(read, everyMs);
  return {
    stop() {
      clearInterval(timer);
      read();
      return last;
    },
  };
}
