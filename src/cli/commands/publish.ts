import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ClientConfigError, defaultClientConfigFiles, loadClientConfig } from '../client/client-config.js';
import { authorizationHeader, resolveCredentials } from '../client/credentials.js';
import { ConnectionError, errorText, readText, request } from '../client/http.js';
import { DEFAULT_SERVER, resolveTarget, UsageError } from '../client/target.js';
import { ProgressBar } from '../client/progress.js';
import type { CliIo } from '../io.js';

export const PUBLISH_HELP = `Usage: herald publish [options] TOPIC [MESSAGE...]
       (aliases: pub, send)

Sends a message to TOPIC. MESSAGE words are joined with spaces; without them the message is
read from stdin unless it is a terminal. TOPIC may be a full URL (http://host:8080/mytopic),
which names the server too.

Options:
  -t, --title TITLE          message title
  -m, --message TEXT         message text (instead of MESSAGE words)
  -p, --priority PRIO        1-5 or min, low, default, high, max/urgent
  -T, --tags, --tag LIST     comma-separated tags or emoji shortcodes (repeatable)
  -D, --delay, --at, --in T  deliver later: 30m, 2h, tomorrow 10am, a Unix time
  -U, --click URL            URL opened when the notification is tapped
  -i, --icon URL             notification icon
  -A, --actions SPEC         action buttons, JSON or "view, Open, https://..."
  -a, --attach URL           attach a file by URL
  -f, --file FILE            upload FILE as an attachment
  -n, --filename NAME        attachment name (default: FILE's base name)
      --markdown, --md       render the message as Markdown
  -e, --email ADDR           also send the message by email
  -S, --sequence-id, --sid ID  update the notification with this sequence ID (ntfy 2.16)
      --no-cache             do not cache the message on the server
      --no-firebase          do not forward the message to Firebase
  -q, --quiet                do not print the server's response
  -u, --user USER[:PASS]     log in as USER (password from $HERALD_PASSWORD or a prompt if left out)
  -k, --token TOKEN          authenticate with an access token (tk_...)
  -c, --config FILE          client config (default: the first of
                             ${defaultClientConfigFiles({ HOME: '~' }).join(', ')})
  -s, --server URL           server (default: $HERALD_SERVER, the config's default-host or
                             ${DEFAULT_SERVER})
  -h, --help                 show this help

Credentials, first found wins: --token or --user, then $HERALD_TOKEN or $HERALD_USER (user:pass,
or user with $HERALD_PASSWORD), then the client config's default-token, then its default-user
and default-password.

Exit status: 0 on success, 1 when the server rejects the message or cannot be reached,
2 on a usage or client config error.
`;

const OPTIONS = {
  title: { type: 'string', short: 't' },
  message: { type: 'string', short: 'm' },
  priority: { type: 'string', short: 'p' },
  tags: { type: 'string', short: 'T', multiple: true },
  tag: { type: 'string', multiple: true },
  delay: { type: 'string', short: 'D' },
  at: { type: 'string' },
  in: { type: 'string' },
  click: { type: 'string', short: 'U' },
  icon: { type: 'string', short: 'i' },
  actions: { type: 'string', short: 'A' },
  attach: { type: 'string', short: 'a' },
  file: { type: 'string', short: 'f' },
  filename: { type: 'string', short: 'n' },
  markdown: { type: 'boolean' },
  md: { type: 'boolean' },
  email: { type: 'string', short: 'e' },
  'sequence-id': { type: 'string', short: 'S' },
  sid: { type: 'string' },
  'no-cache': { type: 'boolean' },
  'no-firebase': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  user: { type: 'string', short: 'u' },
  token: { type: 'string', short: 'k' },
  config: { type: 'string', short: 'c' },
  server: { type: 'string', short: 's' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

const PROGRESS_THRESHOLD = 1024 * 1024;
const CHUNK = 64 * 1024;

/** `herald publish`: one POST to <server>/<topic>, parameters as headers. */
export async function runPublish(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    return usage(io, err instanceof Error ? err.message : String(err));
  }
  const { values: v, positionals } = parsed;
  if (v.help) {
    io.stdout.write(PUBLISH_HELP);
    return 0;
  }
  const [topicArg, ...words] = positionals;
  if (!topicArg) return usage(io, 'missing TOPIC');
  let target;
  let authorization;
  try {
    const config = await loadClientConfig(v.config, io.env, (text) => void io.stderr.write(`herald publish: ${text}\n`));
    target = resolveTarget(topicArg, v.server, io.env, false, config.defaultHost);
    authorization = authorizationHeader(await resolveCredentials({ user: v.user, token: v.token }, io, config));
  } catch (err) {
    if (err instanceof UsageError) return usage(io, err.message);
    if (err instanceof ClientConfigError) {
      io.stderr.write(`herald publish: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const delays = [v.delay, v.at, v.in].filter((d) => d !== undefined);
  if (delays.length > 1) return usage(io, 'give only one of --delay, --at and --in');
  const tags = [...(v.tags ?? []), ...(v.tag ?? [])].join(',');
  const message = words.length > 0 ? words.join(' ') : v.message;

  const headers: Record<string, string | number | undefined> = {
    Authorization: authorization,
    'X-Title': v.title,
    'X-Priority': v.priority,
    'X-Tags': tags || undefined,
    'X-Delay': delays[0],
    'X-Click': v.click,
    'X-Icon': v.icon,
    'X-Actions': v.actions,
    'X-Attach': v.attach,
    'X-Filename': v.filename,
    'X-Markdown': v.markdown || v.md ? 'yes' : undefined,
    'X-Email': v.email,
    'X-Sequence-ID': v['sequence-id'] ?? v.sid,
    'X-Cache': v['no-cache'] ? 'no' : undefined,
    'X-Firebase': v['no-firebase'] ? 'no' : undefined,
  };

  let body: Buffer | Readable;
  if (v.file !== undefined) {
    let size: number;
    try {
      size = statSync(v.file).size;
    } catch (err) {
      io.stderr.write(`herald publish: cannot read ${v.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`);
      return 1;
    }
    // The body is the file, so any text has to travel in a header instead.
    headers['X-Message'] = message;
    const name = v.filename ?? basename(v.file);
    headers['X-Filename'] = name;
    headers['Content-Length'] = size;
    body = withProgress(io, createReadStream(v.file, { highWaterMark: CHUNK }), size, name);
  } else {
    const bytes = message !== undefined ? Buffer.from(message) : io.stdin.isTTY ? Buffer.alloc(0) : await readAll(io.stdin);
    body = bytes.length > PROGRESS_THRESHOLD && io.stderr.isTTY ? withProgress(io, chunked(bytes), bytes.length, v.filename ?? 'stdin') : bytes;
    if (!Buffer.isBuffer(body)) headers['Content-Length'] = bytes.length;
  }

  const url = `${target.server}/${target.topics[0]}`;
  let status: number;
  let text: string;
  try {
    const response = await request(url, { method: 'POST', headers, body });
    status = response.statusCode ?? 0;
    text = await readText(response);
  } catch (err) {
    if (err instanceof ConnectionError) {
      io.stderr.write(`herald publish: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  if (status < 200 || status > 299) {
    io.stderr.write(`herald publish: ${errorText(status, text)}\n`);
    return 1;
  }
  if (!v.quiet) io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  return 0;
}

function usage(io: CliIo, problem: string): number {
  io.stderr.write(`herald publish: ${problem}\nRun 'herald publish --help' for usage.\n`);
  return 2;
}

async function readAll(input: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

function chunked(bytes: Buffer): Readable {
  return Readable.from((function* () {
    for (let i = 0; i < bytes.length; i += CHUNK) yield bytes.subarray(i, i + CHUNK);
  })());
}

/** Draws a progress bar on stderr as the stream is read, when the upload is big enough to wait for. */
function withProgress(io: CliIo, stream: Readable, total: number, label: string): Readable {
  if (total <= PROGRESS_THRESHOLD || !io.stderr.isTTY) return stream;
  const bar = new ProgressBar(io.stderr, label, total, { format: (n) => `${(n / PROGRESS_THRESHOLD).toFixed(1)} MiB` });
  let sent = 0;
  stream.on('data', (chunk: Buffer) => {
    sent += chunk.length;
    bar.update(sent);
  });
  stream.on('end', () => bar.finish());
  return stream;
}
