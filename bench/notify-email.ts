import type { ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createTransport, type SendMailOptions } from 'nodemailer';
import { buildMail } from '../src/adapters/providers/smtp/sender.js';
import { shortHash } from '../src/core/notify/channel-dispatch.js';
import { preferenceLinkUrl, signPreferenceLink } from '../src/core/notify/preference-links.js';
import { SubscriberTokens } from '../src/core/keys/subscriber-tokens.js';
import { randomId } from '../src/util/ids.js';
import { seedSubscribers } from '../test/helpers/seed-subscribers.js';
import { cpuMs } from './lib/cpu.js';
import { printProfile, profileDir } from './lib/profile.js';
import { api, createKey } from './lib/push.js';
import { BENCH_DIST, HarnessError, makeTmpDir, profileFlags, sleep, spawnNode, stopChild, tail } from './lib/proc.js';
import { startHerald, type ServerChild } from './lib/servers.js';
import { bar, fmt, int, parseOptions } from './lib/stats.js';

/**
 * `notify-email`: one template to N subscribers over the e-mail channel, end to end — POST
 * /v1/notify (lists of `batch` subscriber ids), routing with every recipient's preferences
 * evaluated (quiet hours, caps, opt-outs), rendering, the queue, Herald's pooled SMTP sender —
 * into a local SMTP sink (test/mocks/smtp, its own process, counting only). Baseline, in the
 * same run: nodemailer alone sending the same number of pre-rendered mails (same subject, html,
 * text, List-Unsubscribe headers and Message-ID shape) to the same sink over a pool of the same
 * size, before and after Herald. Bar: Herald >= 0.7 x nodemailer's mails/s.
 */
const BAR = 0.7;
const BASE_URL = 'https://herald.bench.example.org';
const FROM = 'Herald <bench@example.org>';
const CATEGORY = 'bench';
const ORDER = 'A-1042';
const TEMPLATE = {
  category: CATEGORY,
  channels: {
    email: {
      subject: 'Hello {{ subscriber.name }}',
      html: '<p>Hi {{ subscriber.name }}, order {{ order }}</p>',
      text: 'Hi {{ subscriber.name }}, order {{ order }} is on its way.',
    },
  },
};
/** The mail Herald renders for one subscriber, written out by hand for the baseline. */
const rendered = (name: string) => ({ subject: `Hello ${name}`, html: `<p>Hi ${name}, order ${ORDER}</p>`, text: `Hi ${name}, order ${ORDER} is on its way.` });

/** What one phase cost: the sender's and the sink's CPU per mail, so a noisy box can be read through. */
interface PhaseCpu {
  senderMs: number;
  sinkMs: number;
}

interface Sink {
  port: number;
  child: ChildProcess;
  /** Messages the sink accepted so far, asked over its control channel (SIGUSR2 → a JSON line). */
  count(): Promise<number>;
  assertAlive(): void;
  stop(): Promise<number | null>;
}

/** test/mocks/smtp/main.js as its own process, so the sink never shares an event loop with a sender. */
async function startSink(dir: string): Promise<Sink> {
  const logFile = join(dir, 'smtp-sink.log');
  const child = spawnNode(join(BENCH_DIST, '..', 'test', 'mocks', 'smtp', 'main.js'), ['--port', '0'], { logFile, stdout: true });
  const lines = createInterface({ input: child.stdout! });
  // Signals of one kind coalesce while pending, so one query at a time, re-signalled until answered.
  let answer: ((n: number) => void) | undefined;
  let pending: Promise<number> | undefined;
  let died: string | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new HarnessError(`smtp sink did not start\n${tail(logFile)}`)), 15_000);
    child.once('exit', (code, signal) => {
      died = `exited with ${signal ?? code}`;
      reject(new HarnessError(`smtp sink ${died}\n${tail(logFile)}`));
    });
    lines.on('line', (line) => {
      let msg: { port?: number; count?: number };
      try {
        msg = JSON.parse(line) as typeof msg;
      } catch {
        return reject(new HarnessError(`smtp sink printed ${line}`));
      }
      if (typeof msg.port === 'number') {
        clearTimeout(timer);
        resolve(msg.port);
      } else if (typeof msg.count === 'number') answer?.(msg.count);
    });
  });
  const assertAlive = () => {
    if (died) throw new HarnessError(`smtp sink ${died} during the run\n${tail(logFile)}`);
  };
  return {
    port, child, assertAlive,
    count() {
      assertAlive();
      pending ??= new Promise<number>((resolve, reject) => {
        const started = Date.now();
        const resend = setInterval(() => {
          if (Date.now() - started > 10_000) {
            done();
            reject(new HarnessError(`smtp sink did not answer its count within 10 s\n${tail(logFile)}`));
          } else child.kill('SIGUSR2');
        }, 1_000);
        const done = () => {
          clearInterval(resend);
          answer = undefined;
          pending = undefined;
        };
        answer = (n) => {
          done();
          resolve(n);
        };
        child.kill('SIGUSR2');
      });
      return pending;
    },
    stop: () => stopChild(child),
  };
}

/** Waits until the sink holds `target` messages; returns when it saw them. */
async function waitSink(sink: Sink, target: number, timeoutMs: number, check: (count: number) => void = () => {}): Promise<{ at: number; count: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const count = await sink.count();
    check(count);
    if (count >= target) return { at: Date.now(), count };
    if (Date.now() > deadline) throw new HarnessError(`the sink has ${count} of ${target} messages after ${timeoutMs / 1000} s`);
    await sleep(50);
  }
}

/**
 * nodemailer alone: a pooled transport exactly as Herald configures its own (no TLS, `pool` open
 * connections, 100 messages per connection), `inflight` sendMail calls at a time until every
 * mail is sent. Timed from the first call until the sink has accepted the last mail.
 */
async function baseline(sink: Sink, mails: SendMailOptions[], pool: number, inflight: number): Promise<{ rate: number; cpu: PhaseCpu }> {
  const transport = createTransport({
    pool: true, host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true,
    maxConnections: pool, maxMessages: 100, logger: false, debug: false, disableFileAccess: true, disableUrlAccess: true,
  });
  try {
    const before = await sink.count();
    const started = Date.now();
    const cpu0 = process.cpuUsage();
    const sink0 = cpuMs(sink.child.pid!);
    let next = 0;
    let refused = 0;
    await Promise.all(Array.from({ length: Math.min(inflight, mails.length) }, async () => {
      for (let i = next++; i < mails.length; i = next++) {
        const info = await transport.sendMail(mails[i]!);
        if (info.rejected.length > 0) refused++;
      }
    }));
    const { at } = await waitSink(sink, before + mails.length, 60_000);
    const cpu = process.cpuUsage(cpu0);
    const sinkMs = cpuMs(sink.child.pid!) - sink0;
    if (refused > 0) throw new HarnessError(`nodemailer: the sink refused ${refused} mails`);
    return { rate: mails.length / ((at - started) / 1000), cpu: { senderMs: (cpu.user + cpu.system) / 1000 / mails.length, sinkMs: sinkMs / mails.length } };
  } finally {
    transport.close();
  }
}

/** Herald's event-loop delay since the previous scrape (prom-client resets its histogram on every collect), in ms. */
async function eventLoopDelay(url: string): Promise<Record<string, number> | undefined> {
  try {
    const res = await fetch(`${url}/metrics`);
    if (!res.ok) return undefined;
    const out: Record<string, number> = {};
    for (const m of (await res.text()).matchAll(/^nodejs_eventloop_lag_(mean|p50|p99|max)_seconds (\S+)$/gm)) out[m[1]!] = Number(m[2]) * 1000;
    return Object.keys(out).length > 0 ? out : undefined;
  } catch {
    return undefined;
  }
}

interface NotifyView {
  state: string;
  counts: Record<string, number>;
}

export async function main(args: string[]): Promise<number> {
  const o = parseOptions(args, { subscribers: 100_000, pool: 5, batch: 1000, clients: 4, inflight: 300, profile: 0 });
  if (o.batch < 1 || o.batch > 1000) throw new HarnessError('--batch must be 1-1000 (POST /v1/notify takes at most 1000 subscriber ids)');
  const tmp = makeTmpDir('notify-email');
  let sink: Sink | undefined;
  let herald: ServerChild | undefined;
  let failed = true;
  try {
    const { dir } = tmp;
    sink = await startSink(dir);

    // Subscribers straight into the notify tables of the queue file, before the server starts.
    let t = Date.now();
    const seeded = await seedSubscribers(join(dir, 'queue.db'), { count: o.subscribers, category: CATEGORY });
    const expected = o.subscribers - seeded.optedOut;
    console.log(`seed: ${int(o.subscribers)} subscribers in ${fmt((Date.now() - t) / 1000, 1)} s: ${int(seeded.withPreferences)} with preferences `
      + `(${int(seeded.withQuietHours)} quiet hours not active now, ${int(seeded.withCaps)} caps not reached), ${int(seeded.optedOut)} opted out of ${CATEGORY} e-mail `
      + `-> ${int(expected)} mails expected`);

    // The baseline's mails, rendered before any clock runs: what Herald sends, byte for byte in
    // shape — an unsubscribe link signed the same way (another secret), a Message-ID of the same form.
    const tokens = new SubscriberTokens([randomId(48)]);
    const linkNow = Date.now();
    const baselineId = `ntf_${randomId(16)}`;
    const mails: SendMailOptions[] = [];
    for (let i = 0; i < o.subscribers && mails.length < expected; i++) {
      const id = seeded.ids[i]!;
      if (seeded.optedOutIds.has(id)) continue;
      const mail = buildMail({
        to: `user${i}@bench.example.org`, ...rendered(`Subscriber ${i}`),
        unsubscribeUrl: preferenceLinkUrl(BASE_URL, signPreferenceLink(tokens, { subscriber: id, action: 'unsubscribe-category', category: CATEGORY }, linkNow)),
        id: `${baselineId}_${shortHash(id)}`,
      }, FROM, 'example.org');
      if ('kind' in mail) throw new HarnessError(`baseline mail not built: ${JSON.stringify(mail)}`);
      mails.push(mail);
    }
    if (mails.length !== expected) throw new HarnessError(`baseline: ${mails.length} mails for ${expected} expected`);

    const cpuText = (c: PhaseCpu) => `CPU per mail ${fmt(c.senderMs, 3)} ms sender, ${fmt(c.sinkMs, 3)} ms sink`;
    const runBaseline = async (label: string) => {
      const { rate, cpu } = await baseline(sink!, mails, o.pool, o.inflight);
      console.log(`nodemailer ${label}: ${int(mails.length)} mails in ${fmt(mails.length / rate, 2)} s = ${int(rate)} mails/s (pool ${o.pool}, ${o.inflight} in flight; ${cpuText(cpu)}; load ${fmt(loadavg()[0]!, 2)})`);
      return { rate, cpu };
    };
    // Before and after Herald, and the mean is the baseline: the box's load drifts over a run.
    const before = await runBaseline('before');

    const nodeFlags = profileFlags(o.profile === 1, 'notify-email');
    herald = await startHerald({
      dir,
      nodeFlags,
      flags: {
        'base-url': BASE_URL,
        'smtp-sender-addr': `127.0.0.1:${sink.port}`,
        'smtp-sender-from': FROM,
        'smtp-sender-tls': 'none',
        'smtp-sender-pool': String(o.pool),
        'api-key-request-limit-burst': '1000000',
        'enable-metrics': 'true',
      },
    });
    const key = await createKey(join(dir, 'herald.db'), ['notify:send', 'notify:read', 'templates:write', 'templates:read', 'subscribers:read']);
    const put = async (path: string, body: unknown) => {
      const res = await api(herald!.url, key, 'PUT', path, body);
      if (res.status >= 300) throw new HarnessError(`PUT ${path}: ${res.status} ${JSON.stringify(res.json)}`);
    };
    await put(`/v1/categories/${CATEGORY}`, { channels: ['email'] });
    await put('/v1/templates/welcome', TEMPLATE);

    const batches: string[][] = [];
    for (let i = 0; i < seeded.ids.length; i += o.batch) batches.push(seeded.ids.slice(i, i + o.batch));
    await eventLoopDelay(herald.url);
    const sinkBefore = await sink.count();
    const heraldCpu0 = cpuMs(herald.pid);
    const sinkCpu0 = cpuMs(sink.child.pid!);
    const ids: string[] = [];
    const acceptMs: number[] = [];
    const started = Date.now();
    let next = 0;
    await Promise.all(Array.from({ length: o.clients }, async () => {
      for (let i = next++; i < batches.length; i = next++) {
        const t0 = Date.now();
        const res = await api<{ id: string; recipients: number }>(herald!.url, key, 'POST', '/v1/notify', {
          template: 'welcome', category: CATEGORY, to: { subscribers: batches[i] }, channels: ['email'], data: { order: ORDER },
        });
        if (res.status !== 202) throw new HarnessError(`notify ${i} refused: ${res.status} ${JSON.stringify(res.json)}`);
        acceptMs.push(Date.now() - t0);
        ids[i] = res.json.id;
      }
    }));
    const acceptedAt = Date.now();
    let lastLog = Date.now();
    const { at: sunkAt } = await waitSink(sink, sinkBefore + expected, 30 * 60_000, (n) => {
      if (herald!.child.exitCode !== null || herald!.child.signalCode !== null) throw new HarnessError(`herald exited during the run\n${tail(herald!.logFile)}`);
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        console.log(`  … ${int(n - sinkBefore)} of ${int(expected)} mails after ${fmt((Date.now() - started) / 1000, 0)} s`);
      }
    });
    const seconds = (sunkAt - started) / 1000;
    const rate = expected / seconds;
    const heraldCpu: PhaseCpu = { senderMs: (cpuMs(herald.pid) - heraldCpu0) / expected, sinkMs: (cpuMs(sink.child.pid!) - sinkCpu0) / expected };
    const heraldLoad = loadavg()[0]!;
    const delay = await eventLoopDelay(herald.url);

    // Every notification done (no recipient pending, sending, deferred or scheduled): the ledger agrees with the sink.
    const totals: Record<string, number> = {};
    const deadline = Date.now() + 5 * 60_000;
    for (let i = 0; i < ids.length;) {
      const { status, json } = await api<NotifyView>(herald.url, key, 'GET', `/v1/notify/${encodeURIComponent(ids[i]!)}?limit=1`);
      if (status !== 200) throw new HarnessError(`GET /v1/notify/${ids[i]}: ${status} ${JSON.stringify(json)}`);
      if (json.state === 'done') {
        for (const [state, n] of Object.entries(json.counts)) totals[state] = (totals[state] ?? 0) + n;
        i++;
        continue;
      }
      if (Date.now() > deadline) throw new HarnessError(`notification ${ids[i]} still ${json.state} 5 min after its mails arrived: ${JSON.stringify(json.counts)}`);
      await sleep(200);
    }
    const doneAt = Date.now();
    await sleep(500);
    await sink.count();
    // A second query: an answer to a re-sent signal of the first may still have been on its way.
    const sunk = (await sink.count()) - sinkBefore;

    await herald.stop();
    herald = undefined;
    const after = await runBaseline('after');
    const base = (before.rate + after.rate) / 2;
    const baseCpu = (before.cpu.senderMs + after.cpu.senderMs) / 2;
    acceptMs.sort((a, b) => a - b);

    console.log(`herald: ${int(o.subscribers)} recipients in ${batches.length} POST /v1/notify of ${o.batch} (${o.clients} clients), accepted in ${fmt((acceptedAt - started) / 1000, 2)} s `
      + `(p50 ${acceptMs[Math.floor(acceptMs.length / 2)]} ms, max ${acceptMs[acceptMs.length - 1]} ms per call)`);
    console.log(`herald: ${int(expected)} mails in the sink after ${fmt(seconds, 2)} s = ${int(rate)} mails/s (pool ${o.pool}; ${cpuText(heraldCpu)}; load ${fmt(heraldLoad, 2)}); every notification done after ${fmt((doneAt - started) / 1000, 2)} s`);
    if (delay) console.log(`herald: event-loop delay during the run (prom-client's 10 ms tick included; idle reads 10.1): mean ${fmt(delay.mean!, 1)} ms, p50 ${fmt(delay.p50!, 1)} ms, p99 ${fmt(delay.p99!, 1)} ms, max ${fmt(delay.max!, 1)} ms`);
    console.log(`herald: recipients by state ${JSON.stringify(totals)}; the sink got ${int(sunk)} mails`);
    const ratio = rate / base;
    console.log(`ratio herald/nodemailer (mean of before and after) = ${fmt(ratio, 3)}; CPU per mail herald/nodemailer = ${fmt(heraldCpu.senderMs / baseCpu)} (${fmt(heraldCpu.senderMs, 3)} / ${fmt(baseCpu, 3)} ms)`);
    bar('notify-email', ratio >= BAR, `herald ${int(rate)} mails/s vs nodemailer ${int(base)} mails/s = ${fmt(ratio, 3)} (bar >= ${BAR})`);
    bar('notify-email complete', sunk === expected && (totals.sent ?? 0) === expected && (totals.suppressed ?? 0) === seeded.optedOut,
      `${int(sunk)} of ${int(expected)} mails in the sink, ${int(totals.sent ?? 0)} recipients sent, ${int(totals.suppressed ?? 0)} suppressed of ${int(seeded.optedOut)} opted out`);
    const profiled = profileDir(nodeFlags);
    if (profiled) printProfile(profiled);
    failed = false;
    return 0;
  } finally {
    await herald?.stop();
    await sink?.stop();
    if (failed) console.error(`notify-email: logs kept in ${tmp.dir}`);
    else tmp.remove();
  }
}
