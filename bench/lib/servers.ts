import type { ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIST, HarnessError, ROOT, exited, freePort, sleep, spawnNode, stopChild, tail } from './proc.js';

export interface ServerChild {
  name: string;
  url: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
  /** Graceful stop (SIGTERM); resolves to the exit code. */
  stop(): Promise<number | null>;
}

export interface HeraldOptions {
  /** Holds cache.db, att/ and the server log. */
  dir: string;
  nodeFlags?: string[];
  /** Extra or overriding config flags, kebab-case without dashes. */
  flags?: Record<string, string>;
  /** Names the process in the output and its log file (`<name>.log`); default `herald`. */
  name?: string;
}

/** Herald as an operator would run it (bin/herald.js serve), with the durable cache on. */
export async function startHerald(options: HeraldOptions): Promise<ServerChild> {
  const port = await freePort();
  mkdirSync(join(options.dir, 'att'), { recursive: true });
  // `--key=value`: serve parses unknown flags loosely, and a separate value would read as a positional.
  const flags: Record<string, string> = {
    'listen-http': `127.0.0.1:${port}`,
    'cache-file': join(options.dir, 'cache.db'),
    'database-file': join(options.dir, 'herald.db'),
    'queue-file': join(options.dir, 'queue.db'),
    'attachment-cache-dir': join(options.dir, 'att'),
    'log-level': 'warn',
    'visitor-request-limit-exempt-hosts': '127.0.0.1,::1',
    'visitor-subscription-limit': '100000',
    'global-topic-limit': '100000',
    ...options.flags,
  };
  const args = ['serve', ...Object.entries(flags).map(([k, v]) => `--${k}=${v}`)];
  return launch(options.name ?? 'herald', join(ROOT, 'bin', 'herald.js'), args, port, options.dir, options.nodeFlags);
}

/** The baseline: bench/servers/bare.ts, the least code that serves the same traffic. */
export async function startBare(dir: string, nodeFlags?: string[]): Promise<ServerChild> {
  const port = await freePort();
  return launch('bare', join(BENCH_DIST, 'servers', 'bare.js'), [String(port)], port, dir, nodeFlags);
}

async function launch(name: string, script: string, args: string[], port: number, dir: string, nodeFlags?: string[]): Promise<ServerChild> {
  const logFile = join(dir, `${name}.log`);
  const child = spawnNode(script, args, { logFile, nodeFlags, ownSession: true });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(url, child);
  } catch (err) {
    child.kill('SIGKILL');
    throw new HarnessError(`${name} did not become healthy: ${(err as Error).message}\n--- ${logFile} ---\n${tail(logFile)}`);
  }
  return { name, url, pid: child.pid!, child, logFile, stop: () => stopChild(child) };
}

/** Polls GET /v1/health until it answers 200; gives up early if the child dies. */
export async function waitHealthy(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited(child)) throw new Error(`exited with ${child.exitCode ?? child.signalCode}`);
    if ((await status(`${url}/v1/health`)) === 200) return;
    await sleep(100);
  }
  throw new Error(`no healthy answer within ${timeoutMs} ms`);
}

function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}
