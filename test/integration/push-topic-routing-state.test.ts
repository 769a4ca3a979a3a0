import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { eventually, startPushRig, type PushRig } from '../helpers/push-rig.js';

// Issue 11, item 16: a topic push was answered `queued` with targets 0 while the README said
// `routing`. The answer says what happens: the audience is resolved after the 202.

describe('the 202 of a push whose audience is resolved after the answer', () => {
  let rig: PushRig;
  before(async () => (rig = await startPushRig({ 'api-key-request-limit-burst': '100000' })));
  after(async () => rig.close());

  it('says routing with targets 0; GET then shows the targets as they are found', async () => {
    const topic = `news${randomBytes(4).toString('hex')}`;
    for (let i = 0; i < 3; i++) {
      const res = await rig.call('POST', '/v1/devices', { provider: 'apns', token: randomBytes(32).toString('hex'), topics: [topic] });
      assert.equal(res.status, 201);
    }
    const sent = await rig.call('POST', '/v1/push', { to: { topics: [topic] }, notification: { title: 'Hi' } });
    assert.equal(sent.status, 202);
    assert.deepEqual({ ...sent.json, id: undefined }, { id: undefined, state: 'routing', targets: 0 });
    await eventually('the broadcast to finish', async () => (await rig.call('GET', `/v1/push/${sent.json.id}`)).json.state === 'done');
    const view = (await rig.call('GET', `/v1/push/${sent.json.id}`)).json;
    assert.equal(view.targets, 3);
    assert.equal(view.counts.sent, 3);
  });

  it('a push to listed devices is routed before the answer: queued with exact targets', async () => {
    const dev = (await rig.call('POST', '/v1/devices', { provider: 'apns', token: randomBytes(32).toString('hex') })).json;
    const sent = await rig.call('POST', '/v1/push', { to: { devices: [dev.id] }, notification: { title: 'Hi' } });
    assert.deepEqual({ ...sent.json, id: undefined }, { id: undefined, state: 'queued', targets: 1 });
  });

  it('the README documents the states the answer uses', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    assert.match(readme, /"state":"routing","targets":0/, 'a topic push example answers routing');
    assert.match(readme, /`routing`: /, 'routing is explained');
  });
});
