import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectionError, describe, errorText, readText, request } from './http.js';

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;
/** No byte (not even a keepalive, sent every 45s by default) for this long means a dead link. */
const IDLE_LIMIT_MS = 3 * 60_000;
/** Client errors worth retrying; other 4xx answers to the first request are mistakes to report. */
const TRANSIENT_STATUS = new Set([408, 425, 429]);

/** One message (or other event) line of a /json stream. */
export interface StreamEvent {
  id?: string;
  time?: number;
  event?: string;
  topic?: string;
  title?: string;
  message?: string;
  priority?: number;
  tags?: string[];
}

/** One subscription: where, with which filters and credentials, from when. */
export interface StreamRequest {
  /** `<server>/<topics>/json`. */
  url: string;
  /** Filters and flags (poll, scheduled); `since` is added per connection. */
  query: URLSearchParams;
  authorization: string | undefined;
  /** `--since` as given; undefined for only new messages. */
  since: string | undefined;
  poll: boolean;
  /** Prefix of this stream's lines on stderr (empty for a lone subscription). */
  label: string;
}

/**
 * Reads a /json stream until `signal` aborts (or, with `poll`, until the cached messages are in),
 * handing each message to `onMessage` with its raw line. A dropped connection is retried with
 * backoff and resumes after the last message received, so none is missed. Resolves with undefined
 * when it stopped as asked, or with the reason it gave up: a refusal at the first connection (a
 * wrong password should not be retried forever) or any failure of a poll.
 */
export async function followStream(req: StreamRequest, signal: AbortSignal, onMessage: (event: StreamEvent, line: string) => void, warn: (text: string) => void): Promise<string | undefined> {
  let lastId: string | undefined;
  let openTime: number | undefined;
  const onLine = (line: string) => {
    let event: StreamEvent;
    try {
      event = JSON.parse(line) as StreamEvent;
    } catch {
      warn(`${req.label}ignoring a line that is not JSON: ${line.slice(0, 80)}`);
      return;
    }
    if (event.event === 'open' && openTime === undefined) openTime = event.time;
    if (event.event !== 'message') return;
    if (typeof event.id === 'string') lastId = event.id;
    onMessage(event, line);
  };
  // Where to resume: after the last message seen. Before any, a subscriber that asked for only
  // new messages resumes at the time of its first `open`, so a message published while it is
  // reconnecting still reaches it.
  const resumeSince = (): string | undefined => {
    if (lastId !== undefined) return lastId;
    if (openTime !== undefined && (req.since === undefined || req.since === 'none')) return String(openTime);
    return req.since;
  };

  let attempt = 0;
  let connected = false;
  for (;;) {
    const since = resumeSince();
    const params = new URLSearchParams(req.query);
    if (since !== undefined) params.set('since', since);
    let problem: string;
    try {
      const response = await request(`${req.url}?${params}`, { method: 'GET', signal, headers: { Authorization: req.authorization } });
      const status = response.statusCode ?? 0;
      if (status === 200) {
        problem = await consume(response, onLine, () => {
          connected = true;
          attempt = 0;
        });
        if (req.poll && !signal.aborted && !response.complete) return `${req.label}${problem}`;
      } else {
        problem = errorText(status, await readText(response));
        if (req.poll || (!connected && status >= 400 && status < 500 && !TRANSIENT_STATUS.has(status))) return `${req.label}${problem}`;
      }
    } catch (err) {
      if (signal.aborted) return undefined;
      if (!(err instanceof ConnectionError)) throw err;
      if (req.poll) return `${req.label}${err.message}`;
      problem = describe(err.cause);
    }
    if (signal.aborted || req.poll) return undefined;
    const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** attempt) * (0.8 + 0.4 * Math.random());
    attempt = Math.min(attempt + 1, 16);
    const next = resumeSince();
    warn(`${req.label}${problem}; reconnecting in ${(delay / 1000).toFixed(1)}s${next ? ` (since=${next})` : ''}`);
    try {
      await sleep(delay, undefined, { signal });
    } catch {
      return undefined;
    }
  }
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
