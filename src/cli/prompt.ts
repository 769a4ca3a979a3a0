import { createInterface, type Interface } from 'node:readline';
import { Writable } from 'node:stream';
import type { CliIo } from './io.js';

/**
 * Asks for a secret at the terminal without echoing it; undefined when input ends or the prompt
 * is cancelled (Ctrl-C) first.
 */
export async function promptHidden(io: CliIo, prompt: string): Promise<string | undefined> {
  io.stderr.write(prompt);
  // readline echoes typed characters to its output; giving it a sink that drops them hides the
  // password while keeping line editing (backspace) working.
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: io.stdin, output: sink, terminal: true });
  rl.on('SIGINT', () => rl.close());
  try {
    const line = await nextLine(rl);
    io.stderr.write('\n');
    return line;
  } finally {
    rl.close();
  }
}

/** One line of piped (non-terminal) input; undefined when there is none. */
export async function readInputLine(io: CliIo): Promise<string | undefined> {
  const rl = createInterface({ input: io.stdin, terminal: false });
  try {
    return await nextLine(rl);
  } finally {
    rl.close();
  }
}

/** The next line, or undefined when input ends (or the prompt is cancelled) first. */
function nextLine(rl: Interface): Promise<string | undefined> {
  return new Promise((resolve) => {
    const onLine = (line: string) => {
      rl.off('close', onClose);
      resolve(line);
    };
    const onClose = () => {
      rl.off('line', onLine);
      resolve(undefined);
    };
    rl.once('line', onLine);
    rl.once('close', onClose);
  });
}
