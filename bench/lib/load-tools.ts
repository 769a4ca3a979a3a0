import { spawnSync } from 'node:child_process';
import { HarnessError } from './proc.js';

/**
 * The C load generators (wrk, h2load) come from Debian packages, not from npm. A benchmark that
 * finds its tool missing installs it with apt-get when it can (root, or sudo without a password),
 * so `npm run bench -- NAME` works on a fresh machine as written; elsewhere it stops and says how
 * to install it. HERALD_BENCH_NO_INSTALL=1 turns the install off.
 */
export interface LoadTool {
  command: string;
  /** Arguments that make the tool print its version. */
  versionArgs: string[];
  /** The Debian package that holds it. */
  debianPackage: string;
  /** How to get it without apt-get. */
  otherwise: string;
}

export const WRK: LoadTool = {
  command: 'wrk', versionArgs: ['-v'], debianPackage: 'wrk',
  otherwise: 'brew install wrk (macOS), or build it from https://github.com/wg/wrk',
};

export const H2LOAD: LoadTool = {
  command: 'h2load', versionArgs: ['--version'], debianPackage: 'nghttp2-client',
  otherwise: 'brew install nghttp2 (macOS), or build nghttp2 with its apps from https://github.com/nghttp2/nghttp2',
};

/** What the tool printed for its version (stdout and stderr); installs the tool first if missing. */
export function ensureLoadTool(tool: LoadTool): string {
  const first = probe(tool);
  if (first !== undefined) return first;
  const how = `apt-get install ${tool.debianPackage} (Debian, Ubuntu); ${tool.otherwise}`;
  if (process.env.HERALD_BENCH_NO_INSTALL) {
    throw new HarnessError(`${tool.command} not found. It is this benchmark's load generator (not needed by npm test): ${how}`);
  }
  const sudo = installer();
  if (sudo === undefined) {
    throw new HarnessError(`${tool.command} not found, and apt-get cannot run here without a password. ` +
      `It is this benchmark's load generator (not needed by npm test): ${how}`);
  }
  console.log(`${tool.command} not found: installing Debian's ${tool.debianPackage} with apt-get (set HERALD_BENCH_NO_INSTALL=1 to refuse)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', tool.debianPackage]]) {
    const run = spawnSync(sudo[0] ?? 'apt-get', [...sudo.slice(1), ...(sudo.length > 0 ? ['apt-get'] : []), ...args], { stdio: 'inherit', env });
    if (run.error || run.status !== 0) {
      throw new HarnessError(`apt-get ${args.join(' ')} failed (${run.error?.message ?? `exit ${run.status}`}); install ${tool.command} by hand: ${how}`);
    }
  }
  const after = probe(tool);
  if (after === undefined) throw new HarnessError(`${tool.debianPackage} was installed but ${tool.command} still does not start: ${how}`);
  return after;
}

/** The tool's version output, or undefined when it cannot be started. */
function probe(tool: LoadTool): string | undefined {
  const run = spawnSync(tool.command, tool.versionArgs, { encoding: 'utf8' });
  // `wrk -v` prints its version and exits 1: only a failed start means the tool is missing.
  if (run.error) return undefined;
  return `${run.stdout}${run.stderr}`;
}

/** The command prefix that runs apt-get as root: [] when we are root, ['sudo', '-n'] when sudo needs no password. */
function installer(): string[] | undefined {
  if (spawnSync('apt-get', ['--version']).error) return undefined;
  if (process.getuid?.() === 0) return [];
  const sudo = spawnSync('sudo', ['-n', 'true']);
  return !sudo.error && sudo.status === 0 ? ['sudo', '-n'] : undefined;
}
