import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ClientConfigError, defaultClientConfigFiles, loadClientConfig } from '../client/client-config.js';
import { authorizationHeader, entryCredentials, resolveCredentials, type Credentials } from '../client/credentials.js';
import { runMessageCommand } from '../client/message-command.js';
import { DEFAULT_SERVER, resolveTarget, UsageError } from '../client/target.js';
import { followStream, type StreamEvent, type StreamRequest } from '../client/topic-stream.js';
import type { CliIo } from '../io.js';

export const SUBSCRIBE_HELP = `Usage: herald subscribe [options] TOPIC[,TOPIC...] [COMMAND...]
       herald subscribe --from-config [-c FILE] [TOPIC [COMMAND...]]
       (alias: sub)

Prints each message of the topics as a JSON line, or runs COMMAND (through the shell) for each
one, in order. A dropped connection is retried with backoff and resumes after the last message
received, so none is missed. TOPIC may be a full URL (http://host:8080/t1,t2).

With --from-config, every entry of the client config's 'subscribe:' list is followed at once,
each with its own credentials, filters ('if:') and command (else 'default-command', else the
message is printed): the mode to run as a service.

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
  -u, --user USER[:PASS]     log in as USER (password from $HERALD_PASSWORD or a prompt if left out)
  -k, --token TOKEN          authenticate with an access token (tk_...)
  -C, --from-config          follow the client config's subscriptions (see above)
  -c, --config FILE          client config (default: the first of
                             ${defaultClientConfigFiles({ HOME: '~' }).join(', ')})
  -s, --server URL           server (default: $HERALD_SERVER, the config's default-host or
                             ${DEFAULT_SERVER})
  -h, --help                 show this help

Credentials, first found wins: --token or --user, then $HERALD_TOKEN or $HERALD_USER (user:pass,
or user with $HERALD_PASSWORD), then the config's default-token, then its default-user and
default-password. A 'subscribe:' entry's own token or user/password beats them all; token: ""
there sends none.

COMMAND sees the message in its environment: HERALD_ID, HERALD_TOPIC, HERALD_TIME,
HERALD_MESSAGE, HERALD_TITLE, HERALD_PRIORITY (3 when unset), HERALD_TAGS (comma list) and
HERALD_RAW (the JSON), the same as NTFY_*, and as $id, $topic, $time, $message/$m,
$title/$t, $priority/$prio/$p, $tags/$tag/$ta and $raw.

Exit status: 0 when stopped (SIGINT/SIGTERM) or, with --poll, when done; 1 when the server
refuses a subscription (a wrong password, say) or a poll fails; 2 on a usage or config error.
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
  user: { type: 'string', short: 'u' },
  token: { type: 'string', short: 'k' },
  'from-config': { type: 'boolean', short: 'C' },
  config: { type: 'string', short: 'c' },
  server: { type: 'string', short: 's' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

/** One stream to follow and what to do with its messages (no command: print them). */
interface Subscription {
  request: StreamRequest;
  command: string | undefined;
}

/** `herald subscribe`: /json streams that survive disconnects, or one poll with --poll. */
export async function runSubscribe(args: string[], io: CliIo): Promise<number> {
  let subscriptions: Subscription[];
  let poll: boolean;
  try {
    const { values: v, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
    if (v.help) {
      io.stdout.write(SUBSCRIBE_HELP);
      return 0;
    }
    poll = v.poll === true;
    subscriptions = await plan(v, positionals, io);
  } catch (err) {
    if (err instanceof ClientConfigError) {
      io.stderr.write(`herald subscribe: ${err.message}\n`);
      return 2;
    }
    if (err instanceof UsageError || String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_')) return usage(io, (err as Error).message);
    throw err;
  }

  const controller = new AbortController();
  const stop = () => controller.abort();
  io.signals.on('SIGINT', stop);
  io.signals.on('SIGTERM', stop);
  // A reader that went away (`| head -1`) is a reason to stop, not to crash.
  io.stdout.on('error', stop);

  // Commands run one at a time in arrival order, whichever subscription a message came from.
  let commands = Promise.resolve();
  const handler = (command: string | undefined) => (event: StreamEvent, line: string) => {
    if (command === undefined) io.stdout.write(`${line}\n`);
    else commands = commands.then(() => (controller.signal.aborted ? undefined : runMessageCommand(io, command, event, line)));
  };
  const warn = (text: string) => void io.stderr.write(`herald subscribe: ${text}\n`);
  try {
    let failure: string | undefined;
    if (poll) {
      for (const s of subscriptions) {
        failure = await followStream(s.request, controller.signal, handler(s.command), warn);
        if (failure !== undefined) break;
      }
    } else {
      // One refused subscription stops them all: a service with a wrong password in one entry
      // should fail loudly (and be restarted by its supervisor), not run half its work.
      const ended = subscriptions.map((s) => followStream(s.request, controller.signal, handler(s.command), warn).then((problem) => {
        if (problem !== undefined && failure === undefined) {
          failure = problem;
          controller.abort();
        }
      }));
      await Promise.all(ended);
    }
    await commands;
    if (failure !== undefined) {
      warn(failure);
      return 1;
    }
    return 0;
  } finally {
    io.signals.off('SIGINT', stop);
    io.signals.off('SIGTERM', stop);
    io.stdout.off('error', stop);
  }
}

/** The subscriptions a command line asks for: the config's (with --from-config) and TOPIC's. */
async function plan(v: Values, positionals: string[], io: CliIo): Promise<Subscription[]> {
  const [topicArg, ...commandWords] = positionals;
  const fromConfig = v['from-config'] === true;
  if (!topicArg && !fromConfig) throw new UsageError('missing TOPIC');
  if (v.exec !== undefined && commandWords.length > 0) throw new UsageError('give the command either with --exec or after the topics, not both');
  const config = await loadClientConfig(v.config, io.env, (text) => void io.stderr.write(`herald subscribe: ${text}\n`));
  if (fromConfig && config.subscribe.length === 0) {
    throw new ClientConfigError(config.file === undefined
      ? `--from-config: no client config found (looked for ${defaultClientConfigFiles(io.env).join(', ')}); name one with -c FILE`
      : `--from-config: ${config.file} has no 'subscribe:' entries`);
  }
  const credentials = await resolveCredentials({ user: v.user, token: v.token }, io, config);

  const query = new URLSearchParams();
  if (v.poll) query.set('poll', '1');
  if (v.scheduled || v.sched) query.set('scheduled', '1');
  for (const key of ['priority', 'tags', 'title', 'message', 'id'] as const) {
    const value = v[key];
    if (value !== undefined) query.set(key, value);
  }
  const several = (fromConfig ? config.subscribe.length : 0) + (topicArg ? 1 : 0) > 1;
  const request = (topics: string, filters: Record<string, string>, auth: Credentials): StreamRequest => {
    const target = resolveTarget(topics, v.server, io.env, true, config.defaultHost);
    const params = new URLSearchParams(query);
    for (const [name, value] of Object.entries(filters)) params.set(name, value);
    return {
      url: `${target.server}/${target.topics.join(',')}/json`,
      query: params,
      authorization: authorizationHeader(auth),
      since: v.since,
      poll: v.poll === true,
      // With several streams, each line on stderr says which one it is about.
      label: several ? `${topics}: ` : '',
    };
  };

  const out: Subscription[] = [];
  if (fromConfig) {
    for (const entry of config.subscribe) {
      const entryRequest = (() => {
        try {
          return request(entry.topic, entry.if, entryCredentials(entry, credentials));
        } catch (err) {
          throw err instanceof UsageError ? new ClientConfigError(`${config.file}: subscribe entry '${entry.topic}': ${err.message}`) : err;
        }
      })();
      out.push({ request: entryRequest, command: entry.command || config.defaultCommand || undefined });
    }
  }
  if (topicArg) {
    const command = v.exec ?? (commandWords.length > 0 ? commandWords.join(' ') : undefined);
    out.push({ request: request(topicArg, {}, credentials), command });
  }
  return out;
}

function usage(io: CliIo, problem: string): number {
  io.stderr.write(`herald subscribe: ${problem}\nRun 'herald subscribe --help' for usage.\n`);
  return 2;
}
