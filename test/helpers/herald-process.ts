import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { DEFAULT_DEADLINE_MS, eventually } from './wait.js';

/** The CLI entry compiled next to the tests, so a build into any outDir tests its own binary. */
export const HERALD_BIN = fileURLToPath(new URL('../../src/cli/herald.js', import.meta.url));
/** The installed binary (`npm start`, `npx herald`): builds if stale, then runs the CLI bundle of dist/cli/. */
export const INSTALLED_BIN = fileURLToPath(new URL('../../../bin/herald.js', import.meta.url));

/** The binary running as a child process, for what only a real process shows: exit status, signals, `serve`. */
export interface HeraldProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** The exit code once the process has ended (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const running = new Set<ChildProcess>();

export interface HeraldProcessOptions {
  env?: Record<string, string>;
  input?: string;
  /** Working directory (where ./herald.yml is looked for); the test process's own by default. */
  cwd?: string;
  /** The script to run: HERALD_BIN unless a test is about INSTALLED_BIN. */
  entry?: string;
}

/**
 * Starts `herald ARGS` with the test process's environment minus HERALD_*, plus `env`. `input`
 * is written to stdin and closed; without it stdin is empty.
 */
export function spawnHerald(args: string[], options: HeraldProcessOptions = {}): HeraldProcess {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HERALD_')));
  const child = spawn(process.execPath, [options.entry ?? HERALD_BIN, ...args], { env: { ...inherited, ...options.env }, ...(options.cwd ? { cwd: options.cwd } : {}), stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  if (options.input !== undefined) child.stdin!.end(options.input);
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs `herald ARGS` as a process to completion. */
export async function runHeraldProcess(args: string[], options: HeraldProcessOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawnHerald(args, options);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** Kills whatever a test left running (call from `after`/`afterEach`). */
export async function killHeraldProcesses(): Promise<void> {
  const left = [...running];
  for (const child of left) child.kill('SIGKILL');
  await Promise.all(left.map((child) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('close', resolve)))));
}

/**
 * Resolves once `url`/v1/health answers 200; fails at once if the process ends first, and after
 * `timeoutMs` with the last answer and what the process wrote to stderr.
 */
export async function untilHealthy(url: string, p: HeraldProcess, timeoutMs = DEFAULT_DEADLINE_MS): Promise<void> {
  let last = 'no answer';
  await eventually(`${url} to come up`, async () => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) throw new Error(`herald exited (${p.child.exitCode ?? p.child.signalCode}) before it was healthy: ${p.stderr()}`);
    try {
      const res = await fetch(`${url}/v1/health`);
      last = `${res.status} ${await res.text()}`;
      return res.ok;
    } catch {
      return false;
    }
  }, timeoutMs, 50).catch((err: Error) => {
    throw new Error(`${err.message}; last answer: ${last}; stderr: ${p.stderr().slice(-2000)}`);
  });
}

/**
 * A port for a server that is stopped and started again on the same address: below Linux's
 * ephemeral range (32768+), so no client socket of another test takes it meanwhile.
 */
export function restartablePort(): Promise<number> {
  return freePort({ from: 20000 + Math.floor(Math.random() * 12000) });
}
