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
});
