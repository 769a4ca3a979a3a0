import { spawn } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConnectionError, describe, errorText, readText, request } from '../client/http.js';
import { DEFAULT_SERVER, resolveTarget, UsageError } from '../client/target.js';
import type { CliIo } from '../io.js';

export const SUBSCRIBE_HELP = `Usage: herald subscribe [options] TOPIC[,TOPIC...] [COMMAND...]
       (alias: sub)

Prints each message of the topics as a JSON line, or runs COMMAND (through the shell) for each
one, in order. A dropped connection is retried with backoff and resumes after the last message
received, so none is missed. TOPIC may be a full URL (http://host:8080/t1,t2).

Options:
  -S, --since SINCE          replay cached messages first: all, latest, a message ID, a Unix
                             time or a duration such as 10m (default: none; all with --poll)
  -p, --poll                 print the cached messages and exit
      --scheduled, --sched   include scheduled messages not yet delivered
  -x, --exec COMMAND         run COMMAND for each message instead of printing it
      --priority LIST        only these priorities (comma list, any of them)
      --tags LIST            only messages with all of these tags
      --title TEXT           only messages with exactly this title
      --message TEXT         only messages with exactly this text
      --id ID                only the message with this ID
  -s, --server URL           server (default: $HERALD_SERVER or ${DEFAULT_SERVER})
  -h, --help                 show this help

COMMAND sees the message in its environment: HERALD_ID, HERALD_TOPIC, HERALD_TIME,
HERALD_MESSAGE, HERALD_TITLE, HERALD_PRIORITY (3 when unset), HERALD_TAGS (comma list) and
HERALD_RAW (the JSON), the same as NTFY_*, and as $id, $topic, $time, $message/$m,
$title/$t, $priority/$prio/$p, $tags/$tag/$ta and $raw.
`;

const OPTIONS = {
  since: { type: 'string', short: 'S' },
  poll: { type: 'boolean', short: 'p' },
  scheduled: { type: 'boolean' },
  sched: { type: 'boolean' },
  exec: { type: 'string', short: 'x' },
  priority: { type: 'string' },
  tags: { type: 'string' },
  title: { type: 'string' },
  message: { type: 'string' },
  id: { type: 'string' },
  server: { type: 'string', short: 's' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;
/** No byte (not even a keepalive, sent every 45s by default) for this long means a dead link. */
const IDLE_LIMIT_MS = 3 * 60_000;
/** Client errors worth retrying; other 4xx answers to the first request are mistakes to report. */
const TRANSIENT_STATUS = new Set([408, 425, 429]);

interface Event {
  id?: string;
  time?: number;
  event?: string;
  topic?: string;
  title?: string;
  message?: string;
  priority?: number;
  tags?: string[];
}

/** `herald subscribe`: a /json stream that survives disconnects, or one poll with --poll. */
export async function runSubscribe(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    return usage(io, err instanceof Error ? err.message : String(err));
  }
  const { values: v, positionals } = parsed;
  if (v.help) {
    io.stdout.write(SUBSCRIBE_HELP);
    return 0;
  }
  const [topicArg, ...commandWords] = positionals;
  if (!topicArg) return usage(io, 'missing TOPIC');
  if (v.exec !== undefined && commandWords.length > 0) return usage(io, 'give the command either with --exec or after the topics, not both');
  const command = v.exec ?? (commandWords.length > 0 ? commandWords.join(' ') : undefined);
  let target;
  try {
    target = resolveTarget(topicArg, v.server, io.env, true);
  } catch (err) {
    if (err instanceof UsageError) return usage(io, err.message);
    throw err;
  }

  const query = new URLSearchParams();
  if (v.poll) query.set('poll', '1');
  if (v.scheduled || v.sched) query.set('scheduled', '1');
  for (const key of ['priority', 'tags', 'title', 'message', 'id'] as const) {
    const value = v[key];
    if (value !== undefined) query.set(key, value);
  }
  const base = `${target.server}/${target.topics.join(',')}/json`;

  const controller = new AbortController();
  let stopping = false;
  const stop = () => {
    stopping = true;
    controller.abort();
  };
  io.signals.on('SIGINT', stop);
  io.signals.on('SIGTERM', stop);
  // A reader that went away (`| head -1`) is a reason to stop, not to crash.
  const onStdoutError = () => stop();
  io.stdout.on('error', onStdoutError);

  let lastId: string | undefined;
  let openTime: number | undefined;
  let commands = Promise.resolve();
  const onLine = (line: string) => {
    let event: Event;
    try {
      event = JSON.parse(line) as Event;
    } catch {
      io.stderr.write(`herald subscribe: ignoring a line that is not JSON: ${line.slice(0, 80)}\n`);
      return;
    }
    if (event.event === 'open' && openTime === undefined) openTime = event.time;
    if (event.event !== 'message') return;
    if (typeof event.id === 'string') lastId = event.id;
    if (command === undefined) io.stdout.write(`${line}\n`);
    else commands = commands.then(() => (stopping ? undefined : runCommand(io, command, event, line)));
  };
  // Where to resume: after the last message seen. Before any, a subscriber that asked for only
  // new messages resumes at the time of its first `open`, so a message published while it is
  // reconnecting still reaches it.
  const resumeSince = (): string | undefined => {
    if (lastId !== undefined) return lastId;
    if (openTime !== undefined && (v.since === undefined || v.since === 'none')) return String(openTime);
    return v.since;
  };

  let attempt = 0;
  let connected = false;
  try {
    for (;;) {
      const since = resumeSince();
      const params = new URLSearchParams(query);
      if (since !== undefined) params.set('since', since);
      let problem: string;
      try {
        const response = await request(`${base}?${params}`, { method: 'GET', signal: controller.signal });
        const status = response.statusCode ?? 0;
        if (status === 200) {
          problem = await consume(response, onLine, () => {
            connected = true;
            attempt = 0;
          });
          if (v.poll && !stopping && !response.complete) {
            io.stderr.write(`herald subscribe: ${problem}\n`);
            return 1;
          }
        } else {
          problem = errorText(status, await readText(response));
          if (v.poll || (!connected && status >= 400 && status < 500 && !TRANSIENT_STATUS.has(status))) {
            io.stderr.write(`herald subscribe: ${problem}\n`);
            return 1;
          }
        }
      } catch (err) {
        if (stopping) break;
        if (!(err instanceof ConnectionError)) throw err;
        if (v.poll) {
          io.stderr.write(`herald subscribe: ${err.message}\n`);
          return 1;
        }
        problem = describe(err.cause);
      }
      if (stopping || v.poll) break;
      const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** attempt) * (0.8 + 0.4 * Math.random());
      attempt = Math.min(attempt + 1, 16);
      const next = resumeSince();
      io.stderr.write(`herald subscribe: ${problem}; reconnecting in ${(delay / 1000).toFixed(1)}s${next ? ` (since=${next})` : ''}\n`);
      try {
        await sleep(delay, undefined, { signal: controller.signal });
      } catch {
        break;
      }
    }
    await commands;
  } finally {
    io.signals.off('SIGINT', stop);
    io.signals.off('SIGTERM', stop);
    io.stdout.off('error', onStdoutError);
  }
  return 0;
}

function usage(io: CliIo, problem: string): number {
  io.stderr.write(`herald subscribe: ${problem}\nRun 'herald subscribe --help' for usage.\n`);
  return 2;
}

/**
 * Feeds each line of a /json stream to `onLine` until it ends, and says why it ended. A stream
 * that falls silent past any keepalive interval is cut, since a vanished peer sends no FIN.
 */
function consume(response: IncomingMessage, onLine: (line: string) => void, onOpen: () => void): Promise<string> {
  return new Promise((resolve) => {
    let buffer = '';
    let opened = false;
    let idle: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => response.destroy(new Error(`no data for ${IDLE_LIMIT_MS / 1000}s`)), IDLE_LIMIT_MS);
    };
    const finish = (reason: string) => {
      clearTimeout(idle);
      resolve(reason);
    };
    arm();
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      arm();
      buffer += chunk;
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        const line = buffer.slice(0, i).trim();
        buffer = buffer.slice(i + 1);
        if (!line) continue;
        if (!opened) {
          opened = true;
          onOpen();
        }
        onLine(line);
      }
    });
    response.on('error', (err) => finish(describe(err)));
    response.on('close', () => finish(response.complete ? 'the server closed the connection' : 'connection lost'));
  });
}

/** Runs one command through the shell with the message in its environment, and waits for it. */
function runCommand(io: CliIo, command: string, event: Event, raw: string): Promise<void> {
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
