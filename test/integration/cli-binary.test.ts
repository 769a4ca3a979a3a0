import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INSTALLED_BIN, killHeraldProcesses, restartablePort, runHeraldProcess, spawnHerald, untilHealthy } from '../helpers/herald-process.js';
import { randomTopic, startTestServer } from '../helpers/server.js';
import { eventually } from '../helpers/wait.js';
import { denyAllServerYml } from '../helpers/cli.js';

/**
 * The binary itself, as a process: its exit status, the process's real stdin, and stopping on
 * SIGTERM and SIGINT. What the commands do is tested in-process (cli*.test.ts); `serve` as a
 * process in serve-config.test.ts and lifecycle.test.ts.
 */
after(killHeraldProcesses);

test('exit status: 0 for help, 1 without a command or when the server cannot be reached, 2 for usage errors', async () => {
  const help = await runHeraldProcess(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: herald <command> \[options\]$/m);
  const bare = await runHeraldProcess([]);
  assert.equal(bare.code, 1);
  assert.match(bare.stdout, /^Commands:$/m);
  const unknown = await runHeraldProcess(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^herald: unknown command 'frobnicate'$/m);
  const refused = await runHeraldProcess(['pub', '-s', 'http://127.0.0.1:1', 'topic', 'x']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /cannot reach http:\/\/127\.0\.0\.1:1\/topic: connection refused/);
  const noAuthFile = await runHeraldProcess(['user', 'list']);
  assert.equal(noAuthFile.code, 2);
  assert.match(noAuthFile.stderr, /^herald user: auth-file is not set/m);
});

test('publish reads the message from a piped stdin; subscribe stops with exit 0 on SIGTERM and on SIGINT', async () => {
  const server = await startTestServer();
  try {
    const topic = randomTopic('bin');
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const sub = spawnHerald(['subscribe', '-s', server.url, '--since', 'all', topic]);
      const piped = await runHeraldProcess(['pub', '-s', server.url, '-t', 'from a pipe', topic], { input: `line one\n${signal}\n` });
      assert.equal(piped.code, 0, piped.stderr);
      assert.equal((JSON.parse(piped.stdout) as { message: string }).message, `line one\n${signal}`);
      await eventually('the subscriber printed it', () => sub.stdout().includes(signal));
      assert.equal(await sub.stop(signal), 0, sub.stderr());
      assert.equal(sub.stderr(), '');
    }
  } finally {
    await server.close();
  }
});

test('bin/herald.js runs the account commands from the CLI bundle, and serve and publish from dist/src, on one installation', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-bin-'));
  const port = await restartablePort();
  const config = join(dir, 'server.yml');
  writeFileSync(config, denyAllServerYml(dir, port));
  const bin = (args: string[], env: Record<string, string> = {}) => runHeraldProcess([...args, '-c', config], { entry: INSTALLED_BIN, env });
  const server = spawnHerald(['serve', '-c', config], { entry: INSTALLED_BIN });
  try {
    assert.equal((await bin(['user', 'add', 'phil'], { HERALD_PASSWORD: 'pw' })).code, 0);
    const again = await bin(['user', 'add', 'phil'], { HERALD_PASSWORD: 'pw' });
    assert.equal(again.code, 1, 'a second add fails as a HeraldError does, inside the bundle too');
    assert.match(again.stderr, /phil/);
    assert.equal((await bin(['tier', 'add', '--message-limit', '7', 'pro'])).code, 0);
    assert.equal((await bin(['user', 'change-tier', 'phil', 'pro'])).code, 0);
    assert.equal((await bin(['access', 'phil', 'alerts', 'rw'])).code, 0);
    const listed = await bin(['user', 'list']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^user phil \(role: user, tier: pro\)$/m);
    assert.match(listed.stdout, /alerts/);
    const token = await bin(['token', 'add', 'phil']);
    assert.equal(token.code, 0, token.stderr);
    const key = await bin(['key', 'create', '--name', 'ci', '--scopes', 'push:send']);
    assert.equal(key.code, 0, key.stderr);
    assert.match(key.stdout, /hk_/);

    const url = `http://127.0.0.1:${port}`;
    await untilHealthy(url, server);
    const published = await runHeraldProcess(['publish', '-s', url, '-u', 'phil:pw', 'alerts', 'from the installed binary'], { entry: INSTALLED_BIN });
    assert.equal(published.code, 0, published.stderr);
    assert.equal((JSON.parse(published.stdout) as { message: string }).message, 'from the installed binary');
    const denied = await runHeraldProcess(['publish', '-s', url, 'alerts', 'anonymous'], { entry: INSTALLED_BIN });
    assert.equal(denied.code, 1, 'deny-all: the anonymous publish is refused');
  } finally {
    assert.equal(await server.stop(), 0, server.stderr());
    rmSync(dir, { recursive: true, force: true });
  }
});
