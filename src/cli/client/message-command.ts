import { spawn } from 'node:child_process';
import type { CliIo } from '../io.js';
import type { StreamEvent } from './topic-stream.js';

/**
 * Runs one command through the shell with the message in its environment, and waits for it. Each
 * field is there as HERALD_<FIELD>, as ntfy's NTFY_<FIELD> and as ntfy's short names ($m, $t, ...),
 * so scripts written for `ntfy subscribe` run unchanged.
 */
export function runMessageCommand(io: CliIo, command: string, event: StreamEvent, raw: string): Promise<void> {
  const fields: Record<string, [string, string[]]> = {
    ID: [event.id ?? '', ['id']],
    TOPIC: [event.topic ?? '', ['topic']],
    TIME: [String(event.time ?? ''), ['time']],
    MESSAGE: [event.message ?? '', ['message', 'm']],
    TITLE: [event.title ?? '', ['title', 't']],
    PRIORITY: [String(event.priority ?? 3), ['priority', 'prio', 'p']],
    TAGS: [(event.tags ?? []).join(','), ['tags', 'tag', 'ta']],
    RAW: [raw, ['raw']],
  };
  const env: NodeJS.ProcessEnv = { ...io.env };
  for (const [name, [value, aliases]] of Object.entries(fields)) {
    // The environment cannot carry NUL bytes; spawn would throw on them.
    const clean = value.replaceAll('\0', '');
    for (const key of [`HERALD_${name}`, `NTFY_${name}`, ...aliases]) env[key] = clean;
  }
  return new Promise((resolve) => {
    // The command writes straight to our own terminal or file when there is one, else through us.
    const [out, err] = [io.stdout, io.stderr].map((s) => (typeof (s as { fd?: unknown }).fd === 'number' ? (s as unknown as { fd: number }).fd : 'pipe' as const));
    const child = spawn(command, { shell: true, env, stdio: ['ignore', out!, err!] });
    child.stdout?.pipe(io.stdout, { end: false });
    child.stderr?.pipe(io.stderr, { end: false });
    child.on('error', (error) => {
      io.stderr.write(`herald subscribe: cannot run command: ${error.message}\n`);
      resolve();
    });
    child.on('close', (code, signal) => {
      if (code !== 0) io.stderr.write(`herald subscribe: command ${signal ? `killed by ${signal}` : `exited with code ${code}`} (message ${event.id})\n`);
      resolve();
    });
  });
}
