import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { herald, RunningCli, stopRunningClis } from '../helpers/cli.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/wait.js';

/**
 * `herald publish` and `herald subscribe` on a server that lets nobody in anonymously
 * (auth-default-access: deny-all): credentials from -u, -k, the environment and the client config
 * file, and `subscribe --from-config` running a command per message as a service would.
 */

let server: TestServer;
let dir: string;
let token: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'herald-cli-auth-'));
  const accounts = ['--auth-file', join(dir, 'auth.db'), '--database-file', join(dir, 'herald.db')];
  // Accounts exist before the server starts, so it never has to catch up with the file.
  for (const [user, role] of [['phil', 'admin'], ['ben', 'user']] as const) {
    const added = await herald(['user', 'add', '--role', role, user, ...accounts], { env: { HERALD_PASSWORD: `${user}-pw` } });
    assert.equal(added.code, 0, added.stderr);
  }
  const made = await herald(['token', 'add', 'phil', ...accounts]);
  token = /(tk_[a-z0-9]+)/.exec(made.stdout)?.[1] ?? assert.fail(made.stdout + made.stderr);
  server = await startTestServer({ 'auth-file': 'auth.db', 'auth-default-access': 'deny-all' }, dir);
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(stopRunningClis);

/** A client config in its own XDG_CONFIG_HOME, as the default location would hold it. */
function clientConfig(yaml: string): { env: Record<string, string>; file: string } {
  const home = mkdtempSync(join(dir, 'xdg-'));
  mkdirSync(join(home, 'herald'));
  const file = join(home, 'herald', 'client.yml');
  writeFileSync(file, yaml);
  return { env: { XDG_CONFIG_HOME: home }, file };
}

async function poll(topic: string): Promise<string[]> {
  const res = await fetch(`${server.url}/${topic}/json?poll=1`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  return (await res.text()).split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { message: string }).message);
}

describe('publish', () => {
  test('is refused without credentials and accepted with -u, -k, HERALD_USER/HERALD_PASSWORD and HERALD_TOKEN', async () => {
    const topic = randomTopic('auth');
    const anonymous = await herald(['publish', '-s', server.url, topic, 'nobody']);
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stderr, /code 40301/);

    const ways: [string, string[], Record<string, string>][] = [
      ['flag u with user:pass', ['-u', 'phil:phil-pw'], {}],
      ['flag user with HERALD_PASSWORD', ['--user', 'phil'], { HERALD_PASSWORD: 'phil-pw' }],
      ['flag k', ['-k', token], {}],
      ['flag token=', [`--token=${token}`], {}],
      ['HERALD_USER=user:pass', [], { HERALD_USER: 'phil:phil-pw' }],
      ['HERALD_USER and HERALD_PASSWORD', [], { HERALD_USER: 'phil', HERALD_PASSWORD: 'phil-pw' }],
      ['HERALD_TOKEN', [], { HERALD_TOKEN: token }],
      ['a flag beats the environment', ['-k', token], { HERALD_USER: 'phil:wrong' }],
    ];
    for (const [how, args, env] of ways) {
      const run = await herald(['publish', '-s', server.url, ...args, topic, how], { env });
      assert.equal(run.code, 0, `${how}: ${run.stderr}`);
    }
    assert.deepEqual(await poll(topic), ways.map(([how]) => how));
  });

  test('wrong credentials are exit 1 with the server\'s reason; contradictory or incomplete ones are usage errors (exit 2)', async () => {
    const topic = randomTopic('auth');
    const wrong = await herald(['publish', '-s', server.url, '-u', 'phil:nope', topic, 'x']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /code 40101/);
    const forbidden = await herald(['publish', '-s', server.url, '-u', 'ben:ben-pw', topic, 'x']);
    assert.equal(forbidden.code, 1);
    assert.match(forbidden.stderr, /code 40301/);
    for (const [args, env, why] of [
      [['-u', 'phil:phil-pw', '-k', token], {}, /either --user or --token/],
      [['-u', 'phil'], {}, /no password for phil: give --user phil:PASSWORD or set HERALD_PASSWORD/],
      [[], { HERALD_USER: 'phil:x', HERALD_TOKEN: token }, /HERALD_USER and HERALD_TOKEN are both set/],
    ] as [string[], Record<string, string>, RegExp][]) {
      const run = await herald(['publish', '-s', server.url, ...args, topic, 'x'], { env });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, why);
    }
    assert.deepEqual(await poll(topic), []);
  });

  test('the client config gives the server and the credentials: default-token, else default-user and default-password', async () => {
    const topic = randomTopic('cfg');
    const byToken = clientConfig(`default-host: ${server.url}\ndefault-token: ${token}\n`);
    const run = await herald(['publish', topic, 'by default-token'], { env: byToken.env });
    assert.equal(run.code, 0, run.stderr);
    const byUser = clientConfig(`default-host: ${server.url}\ndefault-user: phil\ndefault-password: phil-pw\n`);
    assert.equal((await herald(['pub', topic, 'by default-user'], { env: byUser.env })).code, 0);
    // -c names a file anywhere; -u on the command line beats the file's defaults.
    const wrongDefaults = join(dir, 'wrong.yml');
    writeFileSync(wrongDefaults, `default-host: ${server.url}\ndefault-user: phil\ndefault-password: wrong\n`);
    assert.equal((await herald(['pub', '-c', wrongDefaults, topic, 'x'])).code, 1);
    assert.equal((await herald(['pub', '-c', wrongDefaults, '-u', 'phil:phil-pw', topic, 'by -c and -u'])).code, 0);
    assert.deepEqual(await poll(topic), ['by default-token', 'by default-user', 'by -c and -u']);

    const broken = join(dir, 'broken.yml');
    writeFileSync(broken, 'subscribe: "not a list"\n');
    const bad = await herald(['pub', '-c', broken, topic, 'x']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /broken\.yml: 'subscribe' must be a list/);
    const missing = await herald(['pub', '-c', join(dir, 'absent.yml'), topic, 'x']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read client config .*absent\.yml: ENOENT/);
  });
});

describe('subscribe', () => {
  test('--poll authenticates the same ways; without credentials it is exit 1', async () => {
    const topic = randomTopic('sub');
    assert.equal((await herald(['pub', '-s', server.url, '-k', token, topic, 'cached'])).code, 0);
    const anonymous = await herald(['sub', '--poll', '-s', server.url, topic]);
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stderr, /code 40301/);
    for (const [args, env] of [[['-u', 'phil:phil-pw'], {}], [['-k', token], {}], [[], { HERALD_TOKEN: token }], [[], { HERALD_USER: 'phil', HERALD_PASSWORD: 'phil-pw' }]] as [string[], Record<string, string>][]) {
      const run = await herald(['sub', '--poll', '-s', server.url, ...args, topic], { env });
      assert.equal(run.code, 0, run.stderr);
      assert.equal((JSON.parse(run.stdout) as { message: string }).message, 'cached');
    }
  });

  test('a live subscription with -u receives what is published; a refused one ends at once with exit 1', async () => {
    const topic = randomTopic('live');
    const sub = new RunningCli(['sub', '-s', server.url, '-u', 'phil:phil-pw', topic]);
    const marker = async (text: string) => assert.equal((await herald(['pub', '-s', server.url, '-k', token, topic, text])).code, 0);
    await eventually('the subscriber is connected', async () => {
      await marker('ping');
      return sub.stdout.includes('"ping"');
    });
    await marker('hello');
    await sub.until('hello arrives', (cli) => cli.stdout.includes('"hello"'));
    assert.equal(await sub.stop(), 0);

    const refused = await herald(['sub', '-s', server.url, '-u', 'ben:ben-pw', topic]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /code 40301/);
  });

  test('--from-config follows every configured subscription with its own credentials, filter and command', async () => {
    const [alerts, backups, quiet] = [randomTopic('alerts'), randomTopic('backups'), randomTopic('quiet')];
    const out = join(dir, `from-config-${alerts}.log`);
    const config = clientConfig([
      `default-host: ${server.url}`,
      `default-token: ${token}`,
      `default-command: 'echo "default $NTFY_TOPIC $message" >> ${out}'`,
      'subscribe:',
      `  - topic: ${alerts}`,
      `    command: 'echo "alert $HERALD_TOPIC p=$p t=$t $m" >> ${out}'`,
      '    if:',
      '      priority: high,urgent',
      `  - topic: ${server.url}/${backups}`,
      '    user: phil',
      '    password: phil-pw',
      `  - topic: ${quiet}`,
      `    command: 'echo "quiet $HERALD_MESSAGE" >> ${out}'`,
      '',
    ].join('\n'));
    const service = new RunningCli(['subscribe', '--from-config'], { env: config.env });
    const publish = async (topic: string, text: string, ...args: string[]) => {
      const run = await herald(['pub', '-s', server.url, '-k', token, ...args, topic, text]);
      assert.equal(run.code, 0, run.stderr);
    };
    const lines = () => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean) : []);
    // Each stream is live once a marker sent to it comes back through its command.
    await eventually('every subscription is connected', async () => {
      await publish(alerts, 'ready', '-p', '5');
      await publish(backups, 'ready');
      await publish(quiet, 'ready');
      const seen = lines();
      return seen.some((l) => l.startsWith('alert')) && seen.some((l) => l.startsWith('default')) && seen.some((l) => l.startsWith('quiet'));
    });
    // Markers of the connection rounds may still be arriving; only the real messages count.
    const messages = () => lines().filter((l) => !l.endsWith(' ready'));
    await publish(alerts, 'low priority, filtered out', '-p', '2');
    await publish(alerts, 'disk full', '-p', '4', '-t', 'Disk');
    await publish(backups, 'backup done');
    await publish(quiet, 'shh');
    await eventually('the three commands ran', () => messages().length >= 3);
    assert.deepEqual(messages().sort(), [`alert ${alerts} p=4 t=Disk disk full`, `default ${backups} backup done`, 'quiet shh']);
    assert.equal(await service.stop(), 0);
    assert.equal(service.stdout, '', 'every entry has a command, so nothing is printed');
  });

  test('--from-config: an entry the server refuses stops the service with exit 1; no config or no entries is exit 2', async () => {
    const topic = randomTopic('refused');
    const config = clientConfig([
      `default-host: ${server.url}`,
      'subscribe:',
      `  - topic: ${topic}`,
      '    token: ""',
      '',
    ].join('\n'));
    const refused = await herald(['subscribe', '--from-config', '-k', token], { env: config.env });
    assert.equal(refused.code, 1, 'token: "" sends no credentials, whatever -k says');
    assert.match(refused.stderr, /code 40301/);

    const none = await herald(['subscribe', '--from-config']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no client config found \(looked for \/nonexistent\/herald-test-config\/herald\/client\.yml, \/etc\/herald\/client\.yml\)/);
    const empty = clientConfig(`default-host: ${server.url}\n`);
    const noEntries = await herald(['subscribe', '--from-config'], { env: empty.env });
    assert.equal(noEntries.code, 2);
    assert.match(noEntries.stderr, /has no 'subscribe:' entries/);
    const badFilter = clientConfig(`subscribe:\n  - topic: x\n    if: { colour: red }\n`);
    const unknown = await herald(['subscribe', '--from-config'], { env: badFilter.env });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown filter 'colour'/);
  });
});
