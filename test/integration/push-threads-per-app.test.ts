import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { threadsPerApp } from '../../src/composition/delivery-threads.js';
import { eventually, startPushRig } from '../helpers/push-rig.js';

describe('delivery threads per provider app', () => {
  it('0 takes the cores but one, shared among the apps, 1 to 4 each; a configured number stands', () => {
    assert.equal(threadsPerApp(0, 1, 2), 1);
    assert.equal(threadsPerApp(0, 2, 2), 1);
    assert.equal(threadsPerApp(0, 4, 2), 1);
    assert.equal(threadsPerApp(0, 1, 4), 3);
    assert.equal(threadsPerApp(0, 2, 8), 3);
    assert.equal(threadsPerApp(0, 1, 32), 4);
    assert.equal(threadsPerApp(0, 4, 5), 1);
    assert.equal(threadsPerApp(0, 0, 1), 1);
    assert.equal(threadsPerApp(2, 4, 2), 2);
    assert.equal(threadsPerApp(6, 1, 64), 6);
  });

  // Each thread opens its own share of the app's connections (one at least), so with one connection
  // configured, the number of connections the APNs peer sees is the number of threads that sent.
  for (const threads of [1, 2]) {
    it(`push-threads-per-app ${threads}: 2,000 raw tokens in four pushes are each sent once, over ${threads} thread(s) and connection(s)`, async () => {
      const rig = await startPushRig({ 'push-delivery-threads': 'true', 'push-threads-per-app': String(threads) }, { apnsApp: { connections: 1 } });
      try {
        const ids: string[] = [];
        const tokens = new Set<string>();
        for (let p = 0; p < 4; p++) {
          const batch = Array.from({ length: 500 }, () => randomBytes(32).toString('hex'));
          for (const token of batch) tokens.add(token);
          const sent = await rig.call('POST', '/v1/push', { to: { tokens: batch.map((token) => ({ provider: 'apns', token })) }, notification: { title: `push ${p}` } });
          assert.equal(sent.status, 202, JSON.stringify(sent.json));
          ids.push(sent.json.id as string);
        }
        for (const id of ids) {
          let view: any;
          await eventually(`push ${id} done`, async () => {
            view = (await rig.call('GET', `/v1/push/${id}`)).json;
            return view.state === 'done';
          });
          assert.equal(view.counts.sent, 500, JSON.stringify(view.counts));
        }
        const requests = rig.apns.requests;
        assert.equal(requests.length, 2000, 'one request per token, none repeated');
        assert.deepEqual(new Set(requests.map((r) => r.token)), tokens);
        const used = rig.apns.sessions().filter((s) => s.requests > 0);
        assert.equal(rig.apns.connectionsOpened, threads);
        assert.equal(used.length, threads, JSON.stringify(rig.apns.sessions()));
      } finally {
        await rig.close();
      }
    });
  }
});
