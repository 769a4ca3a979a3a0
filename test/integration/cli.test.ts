import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { herald, RunningCli, stopRunningClis } from '../helpers/cli.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';
import { nextEvents, openStream } from '../helpers/streams.js';

/** `herald publish` and `herald subscribe`, run in-process against a real server (cli-binary.test.ts runs the binary). */

interface Message {
  id: string;
  time: number;
  event: string;
  topic: string;
  title?: string;
  message?: string;
  priority?: number;
  tags?: string[];
  click?: string;
  content_type?: string;
  attachment?: { name: string; type?: string; size?: number; url: string };
}

afterEach(stopRunningClis);

/** Runs the CLI to completion with extra environment and optional standard input. */
function cli(args: string[], env: Record<string, string> = {}, input?: string) {
  return herald(args, { env, ...(input === undefined ? {} : { input }) });
}

async function poll(server: TestServer, topic: string, extra = ''): Promise<Message[]> {
  const res = await fetch(`${server.url}/${topic}/json?poll=1${extra}`);
  assert.equal(res.status, 200);
  return (await res.text()).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Message);
}

async function publish(server: string, topic: string, message: string, headers: Record<string, string> = {}): Promise<Message> {
  const res = await fetch(`${server}/${topic}`, { method: 'POST', body: message, headers });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as Message;
}

async function withServer(flags: Record<string, string>, body: (server: TestServer) => Promise<void>): Promise<void> {
  const server = await startTestServer(flags);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

test('publish sends title, priority, tags, click and markdown; the message is cached', async () => {
  await withServer({}, async (server) => {
    const topic = randomTopic('cli');
    const args = ['publish', '--title', 'Disk full', '-p', 'high', '--tags', 'warning,disk', '-T', 'srv1', '--click', 'https://example.com/x', '--markdown', topic, 'only', '5%', 'left'];
    const r = await cli(args, { HERALD_SERVER: server.url });
    assert.equal(r.code, 0, r.stderr);
    const printed = JSON.parse(r.stdout) as Message;
    assert.equal(r.stdout.split('\n').length, 2, 'one JSON line');
    assert.equal(printed.event, 'message');
    assert.equal(printed.topic, topic);
    assert.equal(printed.title, 'Disk full');
    assert.equal(printed.message, 'only 5% left');
    assert.equal(printed.priority, 4);
    assert.deepEqual(printed.tags, ['warning', 'disk', 'srv1']);
    assert.equal(printed.click, 'https://example.com/x');
    assert.equal(printed.content_type, 'text/markdown');
    assert.deepEqual(await poll(server, topic), [printed]);

    const quiet = await cli(['pub', '-q', '-s', server.url, topic, 'shh']);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stdout, '');
    assert.equal((await poll(server, topic)).at(-1)?.message, 'shh');

    const piped = await cli(['pub', '-s', server.url, '-t', 'from a pipe', topic], {}, 'line one\nline two\n');
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal((JSON.parse(piped.stdout) as Message).message, 'line one\nline two');

    const uncached = await cli(['pub', '--no-cache', '-s', server.url, topic, 'fleeting']);
    assert.equal(uncached.code, 0, uncached.stderr);
    assert.equal((JSON.parse(uncached.stdout) as { expires?: number }).expires, undefined);
    assert.notEqual((await poll(server, topic)).at(-1)?.message, 'fleeting');
  });
});

test('publish --delay schedules the message; the topic may be given as a URL', async () => {
  await withServer({}, async (server) => {
    const topic = randomTopic('cli');
    const before = Math.floor(Date.now() / 1000);
    const r = await cli(['send', '--delay', '2h', `${server.url}/${topic}`, 'later']);
    const after = Math.ceil(Date.now() / 1000);
    assert.equal(r.code, 0, r.stderr);
    const printed = JSON.parse(r.stdout) as Message;
    assert.ok(printed.time >= before + 7200 && printed.time <= after + 7200, `time ${printed.time} is two hours after the call`);
    assert.deepEqual(await poll(server, topic), [], 'not delivered yet');
    assert.deepEqual(await poll(server, topic, '&scheduled=1'), [printed]);
  });
});

test('a non-ASCII title and message round-trip', async () => {
  await withServer({}, async (server) => {
    const topic = randomTopic('cli');
    // Long enough to be split into several encoded words.
    const title = 'Grüße aus Köln 🎉 — ñandú, 東京, Ελληνικά and a plain tail';
    const r = await cli(['pub', '-s', server.url, '-t', title, '--tags', 'café,🔥', topic, 'Zürich ☀️ 25°']);
    assert.equal(r.code, 0, r.stderr);
    const printed = JSON.parse(r.stdout) as Message;
    assert.equal(printed.title, title);
    assert.equal(printed.message, 'Zürich ☀️ 25°');
    assert.deepEqual(printed.tags, ['café', '🔥']);
    const [cached] = await poll(server, topic);
    assert.equal(cached.title, title);
  });
});

test('publish --file uploads the file as an attachment', async () => {
  await withServer({ 'base-url': 'http://127.0.0.1' }, async (server) => {
    const topic = randomTopic('cli');
    const dir = mkdtempSync(join(tmpdir(), 'herald-cli-'));
    try {
      const file = join(dir, 'report.bin');
      const content = randomBytes(200_000);
      writeFileSync(file, content);
      const r = await cli(['pub', '-s', server.url, '--file', file, topic, 'nightly', 'report']);
      assert.equal(r.code, 0, r.stderr);
      const printed = JSON.parse(r.stdout) as Message;
      assert.equal(printed.message, 'nightly report');
      assert.equal(printed.attachment?.name, 'report.bin');
      assert.equal(printed.attachment?.size, content.length);
      assert.match(printed.attachment?.url ?? '', /^http:\/\/127\.0\.0\.1\/file\/\w+/);
      const download = await fetch(`${server.url}${new URL(printed.attachment!.url).pathname}`);
      assert.equal(download.status, 200);
      assert.ok(Buffer.from(await download.arrayBuffer()).equals(content));

      const renamed = await cli(['pub', '-s', server.url, '-f', file, '--filename', 'custom.dat', topic]);
      assert.equal(renamed.code, 0, renamed.stderr);
      assert.equal((JSON.parse(renamed.stdout) as Message).attachment?.name, 'custom.dat');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('publish reports server errors (exit 1), unreachable servers (exit 1) and usage errors (exit 2)', async () => {
  await withServer({}, async (server) => {
    const topic = randomTopic('cli');
    const bad = await cli(['pub', '-s', server.url, '-p', '9', topic, 'x']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /^herald publish: .*priority.* \(code 40007\)\n$/);
    assert.deepEqual(await poll(server, topic), []);
  });
  const refused = await cli(['pub', '-s', 'http://127.0.0.1:1', 'topic', 'x']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /cannot reach http:\/\/127\.0\.0\.1:1\/topic: connection refused/);
  for (const args of [['pub'], ['pub', '--no-such-flag', 't', 'x'], ['pub', 'bad.topic', 'x'], ['pub', 'a,b', 'x']]) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^herald publish: /);
  }
});

test('subscribe --poll prints the cached messages and exits', async () => {
  await withServer({}, async (server) => {
    const [a, b] = [randomTopic('cli'), randomTopic('cli')];
    const first = await publish(server.url, a, 'one');
    const second = await publish(server.url, b, 'two', { 'X-Priority': '5' });
    const third = await publish(server.url, a, 'three');
    const r = await cli(['sub', '--poll', '-s', server.url, `${a},${b}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(`[${r.stdout.trim().split('\n').join(',')}]`), [first, second, third]);

    const filtered = await cli(['subscribe', '-p', '--priority', 'urgent', `${server.url}/${a},${b}`]);
    assert.equal(filtered.code, 0, filtered.stderr);
    assert.deepEqual(JSON.parse(filtered.stdout), second);

    const since = await cli(['subscribe', '-p', '--since', first.id, '-s', server.url, a]);
    assert.deepEqual(JSON.parse(since.stdout), third);
  });
});

test('subscribe streams messages published after it started, and skips open and keepalive', async () => {
  await withServer({ 'keepalive-interval': '300ms' }, async (server) => {
    const topic = randomTopic('cli');
    const sub = new RunningCli(['subscribe', '-s', server.url, topic]);
    // Nothing tells us when the stream is registered, so publish until one arrives; with the
    // default since=none the earlier ones are rightly not shown.
    let n = 0;
    const sent: Message[] = [];
    await sub.until('a live message', (c) => {
      if (c.stdout.includes('\n')) return true;
      if (n % 4 === 0) void publish(server.url, topic, `live ${n}`).then((m) => sent.push(m));
      n++;
      return false;
    });
    // A stream opened after the CLI's has its keepalives later: once it has seen two, so has the CLI.
    const watcher = await openStream(`${server.url}/${topic}/json`);
    for (let keepalives = 0; keepalives < 2;) if ((await nextEvents(watcher))[0]!.event === 'keepalive') keepalives++;
    watcher.close();
    // Whatever reached the CLI before this marker has been printed (or skipped) by the time it shows.
    const marker = await publish(server.url, topic, 'marker');
    await sub.until('the marker', (c) => c.stdout.includes(marker.id));
    sent.push(marker);
    const got = sub.lines<Message>();
    assert.ok(got.length >= 2);
    for (const m of got) {
      assert.equal(m.event, 'message');
      assert.ok(sent.some((s) => s.id === m.id));
    }
    assert.equal(await sub.stop(), 0, sub.stderr);
    assert.equal(sub.stderr, '');
  });
});

test('subscribe --exec runs the command once per message, in order, with the message in its environment', async () => {
  await withServer({}, async (server) => {
    const topic = randomTopic('cli');
    const dir = mkdtempSync(join(tmpdir(), 'herald-cli-'));
    try {
      const out = join(dir, 'out.txt');
      const m1 = await publish(server.url, topic, 'first one', { 'X-Title': 'Héllo', 'X-Priority': 'high', 'X-Tags': 'a,b' });
      const m2 = await publish(server.url, topic, 'second');
      const m3 = await publish(server.url, topic, 'third');
      const script = `printf '%s|%s|%s|%s|%s|%s|%s\\n' "$HERALD_ID" "$HERALD_TOPIC" "$HERALD_TIME" "$HERALD_MESSAGE" "$HERALD_TITLE" "$HERALD_PRIORITY" "$HERALD_TAGS" >> '${out}'; ` +
        `printf '%s|%s|%s|%s|%s|%s|%s\\n' "$id" "$topic" "$m" "$t" "$p" "$ta" "$NTFY_MESSAGE" >> '${out}'`;
      const r = await cli(['sub', '--poll', '-s', server.url, '--exec', script, topic]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '', 'messages go to the command, not stdout');
      assert.deepEqual(readFileSync(out, 'utf8').split('\n'), [
        `${m1.id}|${topic}|${m1.time}|first one|Héllo|4|a,b`,
        `${m1.id}|${topic}|first one|Héllo|4|a,b|first one`,
        `${m2.id}|${topic}|${m2.time}|second||3|`,
        `${m2.id}|${topic}|second||3||second`,
        `${m3.id}|${topic}|${m3.time}|third||3|`,
        `${m3.id}|${topic}|third||3||third`,
        '',
      ]);

      // The command may also follow the topics as plain words.
      const words = join(dir, 'words.txt');
      const streaming = new RunningCli(['sub', '-s', server.url, '--since', m2.id, topic, 'echo', '"$message"', '>>', `'${words}'`]);
      await streaming.until('the command ran for the third message', () => readFileSync(words, { encoding: 'utf8', flag: 'a+' }) === 'third\n');
      assert.equal(await streaming.stop(), 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('subscribe reconnects after a server restart and prints every message exactly once', async () => {
  const first = await startTestServer();
  const dir = first.dir;
  const port = new URL(first.url).port;
  let second: TestServer | undefined;
  try {
    const topic = randomTopic('cli');
    const sub = new RunningCli(['subscribe', '-s', first.url, '--since', 'all', topic]);
    const a = await publish(first.url, topic, 'A');
    await sub.until('A', (c) => c.stdout.includes('"A"'));
    // Keep the data dir: the new server must find the same cache.
    await first.stop();
    // The second notice comes after a reconnect attempt failed while the server was down.
    await sub.until('a failed reconnect', (c) => (c.stderr.match(/reconnecting/g) ?? []).length >= 2);
    second = await startTestServer({ 'listen-http': `127.0.0.1:${port}` }, dir);
    const b = await publish(second.url, topic, 'B');
    await sub.until('B', (c) => c.stdout.includes('"B"'));
    // A duplicate of A or B would be printed before C, which comes after them on the same stream.
    const c = await publish(second.url, topic, 'C');
    await sub.until('C', (cli) => cli.stdout.includes('"C"'));
    assert.deepEqual(sub.lines<Message>().map((m) => m.id), [a.id, b.id, c.id]);
    assert.match(sub.stderr, new RegExp(`reconnecting in [\\d.]+s \\(since=${a.id}\\)`));
    assert.equal(await sub.stop(), 0);
  } finally {
    await first.stop();
    if (second) await second.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
