import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { parseHumanDuration } from '../../util/durations.js';
import { ApiError, apiTarget, callApi, type ApiTarget } from '../client/api.js';
import { describe } from '../client/http.js';
import { ProgressBar } from '../client/progress.js';
import { DEFAULT_SERVER, UsageError } from '../client/target.js';
import type { CliIo } from '../io.js';

export const PUSH_HELP = `Usage: herald push send [options] TARGETS...
       herald push status ID
       herald push cancel ID

Sends a push through the server's /v1/push API and, on a terminal, follows it with a progress bar
until every delivery has an outcome.

Targets (any mix, each repeatable):
      --device ID            a registered device
      --user USER            every device of USER
      --topic TOPIC          every device subscribed to TOPIC
      --token PROVIDER:TOKEN a raw token (apns, fcm or hms) of --app
      --tokens-file FILE     raw tokens, one per line: "PROVIDER TOKEN", "PROVIDER APP TOKEN", or
                             just "TOKEN" when --provider is given; sent as pushes of 1000
                             tokens each (ID-1, ID-2, ...)
      --provider NAME        provider (apns, fcm or hms) of bare tokens in --tokens-file
      --app NAME             app of --token and --tokens-file entries (default: default)

Content:
      --title TEXT, --body TEXT, --url URL, --image URL, --sound NAME, --badge N
      --data KEY=VALUE       data for the app (repeatable)
      --apns JSON, --fcm JSON, --hms JSON, --webpush JSON
                             raw provider objects merged over the portable mapping
  -p, --priority PRIO        high, normal or low (default normal)
      --collapse-key KEY     replaces an undelivered push with the same key
      --send-at TIME         RFC 3339 time or a delay such as 30m
      --expires-at TIME      RFC 3339 time or a duration such as 12h
      --id ID                idempotency id (re-sending it within 24 h sends nothing again)
      --category NAME        category, for keys limited to categories

Following:
      --wait / --no-wait     follow until done (default: when stderr is a terminal)
      --timeout DURATION     stop following after this long (default 10m)
  -q, --quiet                print nothing but errors

Options:
  -k, --key KEY              API key with push:send and push:read (default: $HERALD_KEY)
  -s, --server URL           server (default: $HERALD_SERVER or ${DEFAULT_SERVER})
  -h, --help                 show this help

Exit status:
  0  accepted; when following, every delivery ended and all were sent (a push scheduled with
     --send-at counts as done once accepted)
  1  a server or connection error (nothing is followed after one)
  2  a usage error
  3  when following: --timeout passed before every delivery ended
  4  when following: every delivery ended, but some were not sent (failed, invalid_token,
     expired, cancelled or dead)
`;

/** The exit statuses PUSH_HELP lists. */
export const PUSH_EXIT = { ok: 0, error: 1, usage: 2, timeout: 3, notAllSent: 4 } as const;

const TOKENS_PER_PUSH = 1000;
const FINAL = ['sent', 'failed', 'invalid_token', 'expired', 'cancelled', 'dead', 'dropped'] as const;
const NOT_SENT = FINAL.filter((state) => state !== 'sent');

interface PushView {
  id: string;
  state: string;
  targets: number;
  counts: Record<string, number>;
}

export async function runPush(args: string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        device: { type: 'string', multiple: true }, user: { type: 'string', multiple: true }, topic: { type: 'string', multiple: true },
        token: { type: 'string', multiple: true }, 'tokens-file': { type: 'string' }, provider: { type: 'string' }, app: { type: 'string' },
        title: { type: 'string' }, body: { type: 'string' }, url: { type: 'string' }, image: { type: 'string' }, sound: { type: 'string' },
        badge: { type: 'string' }, data: { type: 'string', multiple: true },
        apns: { type: 'string' }, fcm: { type: 'string' }, hms: { type: 'string' }, webpush: { type: 'string' },
        priority: { type: 'string', short: 'p' }, 'collapse-key': { type: 'string' }, 'send-at': { type: 'string' }, 'expires-at': { type: 'string' },
        id: { type: 'string' }, category: { type: 'string' },
        wait: { type: 'boolean' }, 'no-wait': { type: 'boolean' }, timeout: { type: 'string' }, quiet: { type: 'boolean', short: 'q' },
        key: { type: 'string', short: 'k' }, server: { type: 'string', short: 's' },
      },
    });
    const target = apiTarget(values, io.env);
    const [action, id] = positionals;
    if (action === 'status') {
      if (!id) throw new UsageError('push status needs a push id');
      io.stdout.write(`${JSON.stringify(await callApi(target, 'GET', `/v1/push/${encodeURIComponent(id)}`), null, 2)}\n`);
      return 0;
    }
    if (action === 'cancel') {
      if (!id) throw new UsageError('push cancel needs a push id');
      const { cancelled } = await callApi<{ cancelled: number }>(target, 'DELETE', `/v1/push/${encodeURIComponent(id)}`);
      io.stdout.write(`cancelled ${cancelled} deliveries of ${id}\n`);
      return 0;
    }
    if (action !== 'send') throw new UsageError(action ? `unknown push command '${action}'` : 'say send, status or cancel');
    if (positionals.length > 1) throw new UsageError(`push send takes targets as options (--device, --topic, ...), not '${positionals[1]}'`);

    const app = values.app;
    const tokens = (values.token ?? []).map((t) => {
      const i = t.indexOf(':');
      if (i <= 0) throw new UsageError(`--token takes PROVIDER:TOKEN, got '${t}'`);
      return { provider: t.slice(0, i), ...(app ? { app } : {}), token: t.slice(i + 1) };
    });
    if (values.provider !== undefined && !values['tokens-file']) throw new UsageError('--provider names the provider of bare tokens in --tokens-file');
    if (values['tokens-file']) tokens.push(...readTokensFile(values['tokens-file'], app, values.provider));
    const base = pushBody(values);
    const to = {
      ...(values.device ? { devices: values.device } : {}),
      ...(values.user ? { users: values.user } : {}),
      ...(values.topic ? { topics: values.topic } : {}),
    };
    if (Object.keys(to).length === 0 && tokens.length === 0) throw new UsageError('name at least one target: --device, --user, --topic, --token or --tokens-file');

    // Registry targets ride with the first push; raw tokens are split into pushes of 1000.
    const batches: Record<string, unknown>[] = [];
    const rootId = values.id ?? `cli-${randomBytes(6).toString('hex')}`;
    const tokenChunks = [];
    for (let i = 0; i < tokens.length; i += TOKENS_PER_PUSH) tokenChunks.push(tokens.slice(i, i + TOKENS_PER_PUSH));
    if (tokenChunks.length <= 1) batches.push({ ...base, id: rootId, to: { ...to, ...(tokenChunks[0] ? { tokens: tokenChunks[0] } : {}) } });
    else {
      tokenChunks.forEach((chunk, n) => batches.push({ ...base, id: `${rootId}-${n + 1}`, to: n === 0 ? { ...to, tokens: chunk } : { tokens: chunk } }));
    }

    if (values.wait && values['no-wait']) throw new UsageError('give only one of --wait and --no-wait');
    const wait = values['no-wait'] ? false : values.wait ?? io.stderr.isTTY === true;
    // Checked before anything is sent, so a bad --timeout cannot leave an unfollowed push behind.
    const timeoutMs = parseTimeout(values.timeout);
    const bar = new ProgressBar(io.stderr, 'accepting', batches.length, { enabled: !values.quiet && io.stderr.isTTY === true });
    const accepted: { id: string; state: string; targets: number }[] = [];
    for (const body of batches) {
      accepted.push(await callApi(target, 'POST', '/v1/push', body));
      bar.update(accepted.length);
    }
    bar.finish();
    if (!wait) {
      if (!values.quiet) for (const a of accepted) io.stdout.write(`${JSON.stringify(a)}\n`);
      return 0;
    }
    const { views, finished } = await follow(io, target, accepted.map((a) => a.id), timeoutMs, !values.quiet);
    const sum: Record<string, number> = {};
    for (const v of views) for (const [k, n] of Object.entries(v.counts)) sum[k] = (sum[k] ?? 0) + n;
    const name = accepted.length === 1 ? accepted[0]!.id : `${accepted.length} pushes (${rootId}-*)`;
    if (!values.quiet) {
      const targets = views.reduce((n, v) => n + v.targets, 0);
      io.stdout.write(`${name}: ${targets} targets, ${FINAL.filter((k) => sum[k]).map((k) => `${sum[k]} ${k}`).join(', ') || 'nothing sent yet'}\n`);
    }
    if (!finished) {
      io.stderr.write(`herald push: ${name} still had deliveries under way after ${values.timeout ?? '10m'}; follow it with 'herald push status'\n`);
      return PUSH_EXIT.timeout;
    }
    return NOT_SENT.some((k) => sum[k]) ? PUSH_EXIT.notAllSent : PUSH_EXIT.ok;
  } catch (err) {
    if (err instanceof UsageError || String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_')) {
      io.stderr.write(`herald push: ${(err as Error).message}\n\n${PUSH_HELP}`);
      return PUSH_EXIT.usage;
    }
    io.stderr.write(`herald push: ${err instanceof ApiError ? err.message : describe(err)}\n`);
    return PUSH_EXIT.error;
  }
}

/** Polls the pushes until every delivery has an outcome (or the timeout), drawing the progress. */
async function follow(io: CliIo, target: ApiTarget, ids: string[], timeoutMs: number, show: boolean): Promise<{ views: PushView[]; finished: boolean }> {
  const bar = new ProgressBar(io.stderr, 'delivering', 0, { enabled: show && io.stderr.isTTY === true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const views = await Promise.all(ids.map((id) => callApi<PushView>(target, 'GET', `/v1/push/${encodeURIComponent(id)}`)));
    const total = views.reduce((n, v) => n + v.targets, 0);
    const done = views.reduce((n, v) => n + FINAL.reduce((m, k) => m + (v.counts[k] ?? 0), 0), 0);
    bar.setTotal(total);
    bar.update(done, views.some((v) => v.state === 'routing' || v.state === 'queued') ? '(resolving audience)' : '');
    const finished = views.every((v) => v.state === 'done' || v.state === 'cancelled' || (v.state === 'scheduled'));
    if (finished || Date.now() > deadline) {
      bar.finish();
      return { views, finished };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

function pushBody(v: Record<string, unknown>): Record<string, unknown> {
  const s = (k: string) => v[k] as string | undefined;
  const notification: Record<string, unknown> = {};
  for (const k of ['title', 'body', 'url', 'image', 'sound']) if (s(k) !== undefined) notification[k] = s(k);
  if (s('badge') !== undefined) {
    const badge = Number(s('badge'));
    if (!Number.isInteger(badge) || badge < 0) throw new UsageError('--badge must be a whole number');
    notification.badge = badge;
  }
  const data = v.data as string[] | undefined;
  if (data) {
    notification.data = Object.fromEntries(data.map((pair) => {
      const i = pair.indexOf('=');
      if (i <= 0) throw new UsageError(`--data takes KEY=VALUE, got '${pair}'`);
      return [pair.slice(0, i), pair.slice(i + 1)];
    }));
  }
  const body: Record<string, unknown> = { ...(Object.keys(notification).length ? { notification } : {}) };
  for (const provider of ['apns', 'fcm', 'hms', 'webpush']) {
    const raw = s(provider);
    if (raw === undefined) continue;
    try {
      body[provider] = JSON.parse(raw);
    } catch {
      throw new UsageError(`--${provider} must be JSON`);
    }
  }
  if (s('priority')) body.priority = s('priority');
  if (s('collapse-key')) body.collapse_key = s('collapse-key');
  if (s('send-at')) body.send_at = instant(s('send-at')!, '--send-at');
  if (s('expires-at')) body.expires_at = instant(s('expires-at')!, '--expires-at');
  if (s('category')) body.category = s('category');
  return body;
}

/** An RFC 3339 time as given, or a duration from now. */
function instant(text: string, flag: string): string {
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) return text;
  const ms = parseHumanDuration(text);
  if (ms === undefined) throw new UsageError(`${flag} takes an RFC 3339 time or a duration such as 30m`);
  return new Date(Date.now() + ms).toISOString();
}

function parseTimeout(text: string | undefined): number {
  if (text === undefined) return 10 * 60_000;
  const ms = parseHumanDuration(text);
  if (ms === undefined) throw new UsageError('--timeout takes a duration such as 5m');
  return ms;
}

function readTokensFile(path: string, defaultApp: string | undefined, defaultProvider: string | undefined): { provider: string; app?: string; token: string }[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const out: { provider: string; app?: string; token: string }[] = [];
  text.split('\n').forEach((line, i) => {
    const parts = line.trim().split(/\s+/).filter(Boolean);
    if (parts.length === 0 || parts[0]!.startsWith('#')) return;
    if (parts.length === 1 && defaultProvider !== undefined) out.push({ provider: defaultProvider, ...(defaultApp ? { app: defaultApp } : {}), token: parts[0]! });
    else if (parts.length === 2) out.push({ provider: parts[0]!, ...(defaultApp ? { app: defaultApp } : {}), token: parts[1]! });
    else if (parts.length === 3) out.push({ provider: parts[0]!, app: parts[1]!, token: parts[2]! });
    else if (parts.length === 1) throw new UsageError(`${path}:${i + 1}: a bare token needs --provider (or write "PROVIDER TOKEN")`);
    else throw new UsageError(`${path}:${i + 1}: expected "PROVIDER TOKEN", "PROVIDER APP TOKEN" or, with --provider, "TOKEN"`);
  });
  return out;
}
