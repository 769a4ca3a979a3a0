import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { killHeraldProcesses, runHeraldProcess, spawnHerald } from '../helpers/herald-process.js';
import { randomTopic, startTestServer } from '../helpers/server.js';
import { eventually } from '../helpers/wait.js';

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
