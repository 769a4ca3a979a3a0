import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root: dist/bench/lib/ → three levels up. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Compiled bench scripts (dist/bench/). */
export const BENCH_DIST = fileURLToPath(new URL('../', import.meta.url));

/** Thrown for anything that makes a run meaningless (as opposed to a missed bar). */
export class HarnessError extends Error {}

const live = new Set<ChildProcess>();
// A crashed or interrupted run must not leave 20,000-socket servers behind.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of live) child.kill('SIGKILL');
    process.exit(130);
  });
}

/**
 * The open-file limit children get. We ask for 1,048,576, but `ulimit -n` cannot go past the
 * hard limit without CAP_SYS_RESOURCE, which some sandboxes withhold; asking for more would
 * make `ulimit` fail and the child never start.
 */
export function nofileLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const hard = line?.split(/\s+/)[4];
  const n = hard === undefined || hard === 'unlimited' ? Infinity : Number(hard);
  return Math.min(1_048_576, Number.isFinite(n) ? n : 1_048_576);
}

export interface SpawnOptions {
  /** Flags for node itself (before the script). */
  nodeFlags?: string[];
  /** Append stdout and stderr here; inherited from the parent when omitted. */
  logFile?: string;
  /** Open an IPC channel (structured-clone serialization, so typed arrays travel as-is). */
  ipc?: boolean;
  /** Pipe stdout to the parent (stderr still goes to the log file), for children that print their address. */
  stdout?: boolean;
  /** Run `script` as a program of its own rather than with node. */
  raw?: boolean;
  /**
   * Start the child in a session of its own. Linux's CFS autogroups (on by default,
   * /proc/sys/kernel/sched_autogroup_enabled) share CPU between sessions first and between the
   * processes of a session second: on a busy box, a server and its load generator in one session
   * split one session's share, and the load tool's CPU is taken from the server's.
   */
  ownSession?: boolean;
}

/**
 * Starts `node <script> <args>` with a raised open-file limit. `exec` keeps the pid, so
 * /proc/<pid> and signals reach node itself, and the IPC fd survives the exec.
 */
export function spawnNode(script: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const out = options.logFile ? openSync(options.logFile, 'a') : 'inherit';
  const stdio: StdioOptions = ['ignore', options.stdout ? 'pipe' : out, out];
  if (options.ipc) stdio.push('ipc');
  const command = options.raw ? [script, ...args] : [process.execPath, ...(options.nodeFlags ?? []), script, ...args];
  const child = spawn('bash', ['-c', `ulimit -n ${nofileLimit()} && exec "$@"`, 'bash', ...command], {
    cwd: ROOT,
    stdio,
    serialization: 'advanced',
    detached: options.ownSession ?? false,
  });
  if (typeof out === 'number') closeSync(out);
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

export function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Sends `signal`, waits for the exit, and kills hard after `timeoutMs`. Resolves to the exit code. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<number | null> {
  return new Promise((resolve) => {
    if (exited(child)) return resolve(child.exitCode);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill(signal);
  });
}

/** A port free right now on 127.0.0.1 (the child binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in KiB, from /proc (no cooperation from the process needed). */
export function rssKiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new HarnessError(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

export function makeTmpDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `herald-bench-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Node flags that write a V8 CPU profile of a server child when it exits (SIGTERM), into a
 * directory that outlives the run. Empty when profiling is off.
 */
export function profileFlags(enabled: boolean, name: string): string[] {
  if (!enabled) return [];
  const dir = mkdtempSync(join(tmpdir(), `herald-bench-profile-${name}-`));
  console.log(`${name}: CPU profile will be written to ${dir}/ (open in Chrome DevTools or speedscope)`);
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Last lines of a log file, for the error report when a child misbehaves. */
export function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
