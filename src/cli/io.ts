import type { Readable, Writable } from 'node:stream';

/** The signals a long-running command (serve, subscribe) stops on. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** Where stop requests come from: the process for the binary, any emitter in tests. */
export interface SignalSource {
  on(signal: StopSignal, listener: () => void): unknown;
  once(signal: StopSignal, listener: () => void): unknown;
  off(signal: StopSignal, listener: () => void): unknown;
}

/**
 * Everything a command touches outside its arguments. The binary hands over the process's own
 * streams, environment and signals; tests run the same commands in-process with buffers, an
 * environment of their choosing and an emitter, and read the exit code that is returned.
 */
export interface CliIo {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  signals: SignalSource;
}

/** The real process: what `bin/herald.js` runs with. */
export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, signals: process };
}
