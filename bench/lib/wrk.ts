import { join } from 'node:path';
import { ensureLoadTool, WRK } from './load-tools.js';
import { HarnessError, ROOT, spawnNode } from './proc.js';
import { parseWrkOutput, type WrkResult } from './wrk-result.js';

export { mergeWrk, type WrkMerged, type WrkResult } from './wrk-result.js';

/**
 * wrk (C, one epoll loop per thread) is the HTTP load generator of the request-throughput
 * benchmarks. A load tool in Node on the same two cores capped the baseline's figure at its own
 * speed; wrk needs a fraction of a core for the same rate, and each run reports its CPU time so
 * the output shows it.
 */
export const WRK_SCRIPT = join(ROOT, 'bench', 'wrk', 'post.lua');

/** wrk's version string; installs wrk first when it is missing (see load-tools.ts). */
export function requireWrk(): string {
  return /^wrk (\S+)/.exec(ensureLoadTool(WRK))?.[1] ?? 'unknown version';
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

/** Runs wrk once with bench/wrk/post.lua and reads the line its done() hook prints. */
export function runWrk(o: WrkOptions, logFile: string): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const child = spawnNode('wrk', wrkArgs(o), { raw: true, stdout: true, logFile, ownSession: true });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      const result = code === 0 ? parseWrkOutput(out) : undefined;
      if (!result) return reject(new HarnessError(`wrk failed (${code}); stderr in ${logFile}:\n${out.slice(-2000)}`));
      resolve(result);
    });
  });
}
