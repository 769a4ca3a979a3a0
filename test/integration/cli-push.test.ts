import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { herald as runHerald } from '../helpers/cli.js';
import { startPushRig, type PushRig } from '../helpers/push-rig.js';
import { randomTopic } from '../helpers/server.js';

let rig: PushRig;
let key: string;
before(async () => {
  rig = await startPushRig();
  key = rig.admin.replace(/^Bearer /, '');
});
after(() => rig.close());

/** Runs the CLI in-process against the rig's server with its admin key. */
async function herald(args: string[], env: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  const run = await runHerald(args, { env: { HERALD_SERVER: rig.server.url, HERALD_KEY: key, ...env } });
  return { status: run.code, stdout: run.stdout, stderr: run.stderr };
}

describe('herald device and herald push', () => {
  it('lists, shows and removes devices through the API', async () => {
    const topic = randomTopic('cli');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await rig.call('POST', '/v1/devices', { provider: 'apns', token: randomBytes(32).toString('hex'), user: 'cli-user', topics: [topic] })).json.id);
    const list = await herald(['device', 'list', '--topic', topic]);
    assert.equal(list.status, 0, list.stderr);
    for (const id of ids) assert.match(list.stdout, new RegExp(`${id} +apns +default +ios +active +cli-user +${topic}`));
    const json = await herald(['device', 'list', '--topic', topic, '--json', '--limit', '2']);
    assert.equal(json.stdout.trim().split('\n').length, 2);
    assert.equal(JSON.parse(json.stdout.split('\n')[0]!).provider, 'apns');
    const shown = await herald(['device', 'show', ids[0]!]);
    assert.equal(JSON.parse(shown.stdout).id, ids[0]);
    assert.equal((await herald(['device', 'rm', ids[0]!])).status, 0);
    const gone = await herald(['device', 'show', ids[0]!]);
    assert.equal(gone.status, 1);
    assert.match(gone.stderr, /device not found \(code 40404\)/);
    const usage = await herald(['device', 'frobnicate']);
    assert.equal(usage.status, 2);
    assert.equal((await herald(['device', 'list'], { HERALD_KEY: 'hk_wrong' })).status, 1);
  });

  it('push send follows a push to the end; a tokens file becomes pushes of 1000', async () => {
    const topic = randomTopic('clip');
    for (let i = 0; i < 5; i++) await rig.call('POST', '/v1/devices', { provider: 'fcm', token: `fcm-${randomBytes(16).toString('hex')}`, topics: [topic] });
    const sent = await herald(['push', 'send', '--topic', topic, '--title', 'Hello', '--body', 'from the CLI', '--data', 'k=v', '--priority', 'high', '--id', `cli-${topic}`, '--wait']);
    assert.equal(sent.status, 0, sent.stderr);
    assert.match(sent.stdout, new RegExp(`cli-${topic}: 5 targets, 5 sent`));
    const status = await herald(['push', 'status', `cli-${topic}`]);
    assert.equal(JSON.parse(status.stdout).counts.sent, 5);

    const file = join(rig.server.dir, 'tokens.txt');
    const lines = ['# provider token'];
    for (let i = 0; i < 1500; i++) lines.push(`apns ${randomBytes(32).toString('hex')}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const big = await herald(['push', 'send', '--tokens-file', file, '--title', 'Big', '--id', `big-${topic}`, '--wait']);
    assert.equal(big.status, 0, big.stderr);
    assert.match(big.stdout, /2 pushes \(big-.*-\*\): 1500 targets, 1500 sent/);

    const later = await herald(['push', 'send', '--topic', topic, '--title', 'Later', '--send-at', '1h', '--no-wait']);
    const accepted = JSON.parse(later.stdout) as { id: string; state: string };
    assert.equal(accepted.state, 'scheduled');
    const cancelled = await herald(['push', 'cancel', accepted.id]);
    assert.match(cancelled.stdout, /cancelled 0 deliveries/);
    assert.equal((await herald(['push', 'send', '--title', 'no targets'])).status, 2);
    const refused = await herald(['push', 'send', '--token', 'apns:not-hex', '--title', 'x']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /code 40060/);
  });

  it('push send exit statuses are the ones --help lists: 0 all sent, 1 error, 2 usage, 3 timeout, 4 not all sent', async () => {
    const help = (await herald(['push', '--help'])).stdout;
    for (const line of [/^  0  accepted/m, /^  1  a server or connection error/m, /^  2  a usage error/m, /^  3  when following: --timeout/m, /^  4  when following: every delivery ended, but some were not sent/m]) assert.match(help, line);

    const good = randomBytes(32).toString('hex');
    const sent = await herald(['push', 'send', '--token', `apns:${good}`, '--title', 'ok', '--wait']);
    assert.equal(sent.status, 0, sent.stderr);
    assert.match(sent.stdout, /1 targets, 1 sent/);

    const gone = randomBytes(32).toString('hex');
    rig.apns.answer(gone, { status: 410, reason: 'Unregistered', timestamp: Date.now() });
    const partly = await herald(['push', 'send', '--token', `apns:${good}`, '--token', `apns:${gone}`, '--title', 'half', '--wait']);
    assert.equal(partly.status, 4, partly.stderr);
    assert.match(partly.stdout, /2 targets, 1 sent, 1 invalid_token/);

    const slow = `fcm-slow-${randomBytes(8).toString('hex')}`;
    rig.fcm.script(slow, { delayMs: 4000 });
    const late = await herald(['push', 'send', '--token', `fcm:${slow}`, '--title', 'slow', '--wait', '--timeout', '1s']);
    assert.equal(late.status, 3, late.stderr);
    assert.match(late.stderr, /still had deliveries under way after 1s/);

    const unreachable = await herald(['push', 'send', '--token', `apns:${good}`, '--title', 'x', '--wait'], { HERALD_SERVER: 'http://127.0.0.1:1' });
    assert.equal(unreachable.status, 1);
    assert.match(unreachable.stderr, /connection refused/);
    for (const args of [['--frobnicate'], ['--token', `apns:${good}`, '--title'], ['--token', `apns:${good}`, '--wait', '--no-wait'], ['--token', `apns:${good}`, '--timeout', 'soon'], ['extra-word', '--token', `apns:${good}`], ['--provider', 'apns', '--token', `apns:${good}`]]) {
      const run = await herald(['push', 'send', ...args]);
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
    }
  });

  it('a tokens file may hold bare tokens, one per line, when --provider names their provider', async () => {
    const topic = randomTopic('bare');
    const file = join(rig.server.dir, `bare-${topic}.txt`);
    const tokens = Array.from({ length: 3 }, () => randomBytes(32).toString('hex'));
    writeFileSync(file, `# one token per line\n${tokens.join('\n')}\n\napns ${randomBytes(32).toString('hex')}\n`);
    const sent = await herald(['push', 'send', '--tokens-file', file, '--provider', 'apns', '--title', 'Bare', '--id', `bare-${topic}`, '--wait']);
    assert.equal(sent.status, 0, sent.stderr);
    assert.match(sent.stdout, new RegExp(`bare-${topic}: 4 targets, 4 sent`));
    for (const token of tokens) assert.ok(rig.apns.requests.some((r) => r.token === token), token);

    const without = await herald(['push', 'send', '--tokens-file', file, '--title', 'Bare']);
    assert.equal(without.status, 2);
    assert.match(without.stderr, /:2: a bare token needs --provider/);
  });
});
