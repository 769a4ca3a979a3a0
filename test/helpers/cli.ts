import { join } from 'node:path';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Readable, Writable } from 'node:stream';
import type { CliIo, StopSignal } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/run.js';
import { eventually } from './wait.js';

/**
 * The CLI in tests. Commands run in this process through runCli, with their own streams,
 * environment and signals, so argument handling and output are checked without starting a
 * Node process per call. The binary itself (exit status, real signals, `serve`) keeps a few
 * subprocess tests, through herald-process.ts.
 */

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Added to the environment; the developer's own HERALD_* settings are never seen. */
  env?: Record<string, string>;
  /** Standard input (not a terminal); without it, stdin is empty. */
  input?: string;
}

/**
 * The test process's environment (PATH and such) without HERALD_*, plus `extra`. The client config
 * is looked for in a directory that does not exist, so a developer's own ~/.config/herald/client.yml
 * never steers a test; tests of that file set XDG_CONFIG_HOME themselves.
 */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HERALD_')));
  return { ...inherited, XDG_CONFIG_HOME: '/nonexistent/herald-test-config', ...extra };
}

/** Runs `herald ARGS` in-process to completion. */
export async function herald(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const run = new RunningCli(args, options);
  const code = await run.exited;
  return { code, stdout: run.stdout, stderr: run.stderr };
}

const running = new Set<RunningCli>();

/** Stops every command a test left running (call from `afterEach`), so a failed test leaves no subscriber behind. */
export async function stopRunningClis(): Promise<void> {
  await Promise.all([...running].map((cli) => cli.stop()));
}

/** A command that keeps running (subscribe): its output so far, and a way to stop it. */
export class RunningCli {
  stdout = '';
  stderr = '';
  /** The exit status, once the command returns. */
  readonly exited: Promise<number>;
  #code: number | undefined;
  readonly #signals = new EventEmitter();

  constructor(args: string[], options: CliOptions = {}) {
    const sink = (append: (text: string) => void) =>
      new Writable({
        decodeStrings: false,
        write(chunk: Buffer | string, _encoding, done) {
          append(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
          done();
        },
      });
    const io: CliIo = {
      stdin: Readable.from(options.input === undefined ? [] : [Buffer.from(options.input)]),
      stdout: sink((s) => (this.stdout += s)),
      stderr: sink((s) => (this.stderr += s)),
      env: cliEnv(options.env),
      signals: this.#signals,
    };
    running.add(this);
    this.exited = runCli(args, io).then((code) => {
      running.delete(this);
      return (this.#code = code);
    });
  }

  /** The output as JSON lines. */
  lines<T = Record<string, unknown>>(): T[] {
    return this.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as T);
  }

  /** Resolves once `ready` holds for the output so far; fails at once if the command ends first. */
  async until(what: string, ready: (cli: RunningCli) => boolean): Promise<void> {
    await eventually(what, () => {
      if (this.#code !== undefined && !ready(this)) assert.fail(`the command ended (${this.#code}) before ${what}; stdout: ${this.stdout}; stderr: ${this.stderr}`);
      return ready(this);
    });
  }

  /** Asks the command to stop, as SIGTERM would, and returns its exit status. */
  async stop(signal: StopSignal = 'SIGTERM'): Promise<number> {
    this.#signals.emit(signal);
    return this.exited;
  }
}

/**
 * A server.yml for a deny-all installation whose files all live in `dir`, listening on `port`: what
 * the tests that run `serve` and the account commands against one config write.
 */
export function denyAllServerYml(dir: string, port: number): string {
  return [
    `listen-http: "127.0.0.1:${port}"`,
    `auth-file: "${join(dir, 'auth.db')}"`,
    `auth-default-access: deny-all`,
    `cache-file: "${join(dir, 'cache.db')}"`,
    `database-file: "${join(dir, 'herald.db')}"`,
    `queue-file: "${join(dir, 'queue.db')}"`,
    `attachment-cache-dir: ""`,
    '',
  ].join('\n');
}
