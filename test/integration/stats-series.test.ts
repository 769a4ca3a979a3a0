import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../helpers/manual-clock.js';
import { eventually, startPushRig, type PushRig } from '../helpers/push-rig.js';
import { randomTopic } from '../helpers/server.js';
import type { SeriesAnswer } from '../../src/http/admin/stats-series-schemas.js';

// Issue 16: the admin console's overview charts read GET /v1/stats/series. The server runs on a
// manual clock: a point is taken when the clock has moved a whole interval, so every interval
// here is exactly 10 s and the rates are exact.

describe('GET /v1/stats/series', () => {
  const clock = new ManualClock(Date.now());
  let rig: PushRig;
  let reader: string;
  before(async () => {
    rig = await startPushRig({ 'stats-series-interval': '10s', 'stats-series-retention': '1h', 'api-key-request-limit-burst': '100000' }, { clock });
    reader = await rig.key(['stats:read']);
  });
  after(async () => rig.close());

  const series = async (query = ''): Promise<SeriesAnswer> => {
    const res = await rig.call('GET', `/v1/stats/series${query}`, undefined, reader);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return res.json as SeriesAnswer;
  };

  /** Moves the clock one interval and waits for the point that covers it. */
  async function nextPoint(): Promise<SeriesAnswer['points'][number]> {
    const before = (await series('?window=1h')).points.length;
    clock.advance(10_000);
    let last: SeriesAnswer['points'][number] | undefined;
    await eventually('a new point after the clock moved 10 s', async () => {
      const points = (await series('?window=1h')).points;
      last = points.at(-1);
      return points.length > before;
    });
    return last!;
  }

  it('needs stats:read and all categories: 401 without credentials, 403 for other keys', async () => {
    assert.equal((await rig.call('GET', '/v1/stats/series', undefined, '')).status, 401);
    const pushOnly = await rig.key(['push:send']);
    assert.equal((await rig.call('GET', '/v1/stats/series', undefined, pushOnly)).status, 403);
    const limited = await rig.key(['stats:read'], ['orders']);
    assert.equal((await rig.call('GET', '/v1/stats/series', undefined, limited)).status, 403);
  });

  it('answers the interval, retention and window, and no point until an interval has passed', async () => {
    const answer = await series();
    assert.equal(answer.interval_seconds, 10);
    assert.equal(answer.retention_seconds, 3600);
    assert.equal(answer.window_seconds, 900, 'the default window is 15 minutes');
    assert.deepEqual(answer.points, []);
    assert.equal((await series('?window=1d')).window_seconds, 3600, 'a longer window answers what is kept');
  });

  it('refuses a window that is not a positive duration, in the one error shape', async () => {
    for (const window of ['abc', '0', '-5m', '']) {
      const res = await rig.call('GET', `/v1/stats/series?window=${encodeURIComponent(window)}`, undefined, reader);
      assert.equal(res.status, 400, window);
      assert.equal(res.json.code, 40000, window);
      assert.equal(res.json.http, 400, window);
      assert.match(res.json.error, /window/, window);
    }
  });

  it('counts publishes, pushes by provider and outcome, latency and subscribers per interval, with rates', async () => {
    const topic = randomTopic('ov');
    const good = [`fcm-${randomBytes(16).toString('base64url')}`, `fcm-${randomBytes(16).toString('base64url')}`];
    const dead = `fcm-${randomBytes(16).toString('base64url')}`;
    rig.fcm.script(dead, { error: 'UNREGISTERED' });
    for (const token of [...good, dead]) {
      const res = await rig.call('POST', '/v1/devices', { provider: 'fcm', token, topics: [topic] });
      assert.equal(res.status, 201, JSON.stringify(res.json));
    }
    // A live subscriber, open while the points are taken.
    const stream = new AbortController();
    const sse = await fetch(`${rig.server.url}/${topic}/sse`, { signal: stream.signal });
    assert.equal(sse.status, 200);

    // The first message alone, until the dead token is known to be dead: then each later message
    // goes to the two good devices only, and the counts below are exact.
    await fetch(`${rig.server.url}/${topic}`, { method: 'POST', body: 'one' });
    await eventually('the dead device to be marked invalid', async () => {
      const devices = await rig.call('GET', `/v1/devices?topic=${topic}`);
      return (devices.json.devices as { state: string }[] | undefined)?.some((d) => d.state === 'invalid') ?? false;
    });
    for (const body of ['two', 'three', 'four']) await fetch(`${rig.server.url}/${topic}`, { method: 'POST', body });
    // Every send ends before the clock moves, so each latency (due → accepted, on the manual clock) is 0.
    await eventually('every send to have ended', async () => {
      const stats = (await rig.call('GET', '/v1/push/stats')).json as { by_provider: Record<string, Record<string, number>> };
      return stats.by_provider.fcm?.sent === 8 && stats.by_provider.fcm?.invalid_token === 1;
    });

    const expected = { publishes: 4, sent: 8, invalid: 1 };
    const seen = { publishes: 0, sent: 0, invalid: 0, latencyCount: 0 };
    const points: SeriesAnswer['points'] = [];
    await eventually('the points to add up to what was published and sent', async () => {
      const point = await nextPoint();
      points.push(point);
      assert.equal(point.seconds, 10);
      seen.publishes += point.publishes;
      assert.equal(point.publishes_per_second, point.publishes / 10);
      for (const p of point.pushes) {
        assert.equal(p.per_second, p.count / 10, `${p.provider} ${p.outcome}`);
        if (p.provider === 'fcm' && p.outcome === 'sent') seen.sent += p.count;
        if (p.provider === 'fcm' && p.outcome === 'invalid_token') seen.invalid += p.count;
      }
      seen.latencyCount += point.latency.count;
      return seen.publishes >= expected.publishes && seen.sent >= expected.sent && seen.invalid >= expected.invalid;
    }, 60_000, 1);
    assert.deepEqual({ publishes: seen.publishes, sent: seen.sent, invalid: seen.invalid }, expected);
    assert.equal(seen.latencyCount, expected.sent, 'every accepted send is in the latency histogram');
    // Every latency is 0: in the lowest bucket (≤ 5 ms), which interpolates from 0.
    const withSends = points.filter((p) => p.latency.count > 0);
    assert.ok(withSends.length > 0);
    for (const p of withSends) {
      assert.ok(p.latency.p50! <= 0.005 && p.latency.p95! <= 0.005 && p.latency.p99! <= 0.005, JSON.stringify(p.latency));
      assert.deepEqual(p.latency_by_provider.map((l) => l.provider), ['fcm']);
    }
    const last = points.at(-1)!;
    assert.equal(last.subscribers, 1);
    assert.equal(last.subscribers_by_transport.sse, 1);
    assert.equal(last.queue_lag_seconds, 0);

    // Nothing happens in the next interval: zero counts, the pairs seen stay listed.
    const quiet = await nextPoint();
    assert.equal(quiet.publishes, 0);
    assert.ok(quiet.pushes.some((p) => p.provider === 'fcm' && p.outcome === 'sent' && p.count === 0 && p.per_second === 0));
    assert.equal(quiet.latency.count, 0);
    assert.equal(quiet.latency.p50, undefined);

    stream.abort();
    await eventually('the subscriber to be gone from the next point', async () => (await nextPoint()).subscribers === 0);

    // A short window answers only the newest points.
    const all = (await series('?window=1h')).points;
    const recent = (await series('?window=15s')).points;
    assert.ok(recent.length >= 1 && recent.length <= 2, `${recent.length} points in 15 s at 10 s`);
    assert.deepEqual(recent.at(-1), all.at(-1));
  });
});
