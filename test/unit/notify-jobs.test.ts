import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channelJob, confirmJob, groupChannelJobs, NOTIFY_CHUNK, notifyKeyPrefix, notifyLane, planJob } from '../../src/core/notify/notify-jobs.js';
import type { NotificationRecord } from '../../src/ports/notify-store.js';

const NOW = 1_750_000_000_000;
const n: NotificationRecord = {
  seq: 12, id: 'ntf_x', template: 't', category: 'orders', priority: 'normal', strategy: 'all', data: {}, to: { subscribers: ['a'] },
  actor: 'key', createdAt: NOW, phase: 'routing', recipients: 0,
};

test('job keys start with the notification prefix, so a cancel finds them all, and seq 1 never matches 12', () => {
  const keys = [
    channelJob(n, 'email', ['ann'], NOW, 0).dedupKey, confirmJob(n, 'push', 'ann', NOW + 9000, NOW + 900).dedupKey, planJob(n, 'ann', 'send_at', NOW + 5000).dedupKey,
  ];
  assert.deepEqual(keys, ['notify:12:email:ann:0', 'notify:12:confirm:push:ann:1750000000900', 'notify:12:plan:send_at:ann']);
  for (const key of keys) assert.ok(key!.startsWith(notifyKeyPrefix(12)) && !key!.startsWith(notifyKeyPrefix(1)));
});

test('jobs take their partition and lane from the channel and the priority', () => {
  assert.equal(channelJob(n, 'sms', ['ann'], NOW, 0).partition, 'notify:sms');
  assert.equal(confirmJob(n, 'sms', 'ann', NOW, NOW).partition, 'notify:plan');
  assert.equal(planJob({ ...n, priority: 'critical' }, 'ann', 'quiet_hours', NOW).lane, 'high');
  assert.equal(channelJob({ ...n, to: { topic: 'news' } }, 'push', ['ann'], NOW, 0).lane, notifyLane('normal', true));
  assert.equal(notifyLane('normal', true), 'bulk');
});

test('groupChannelJobs merges a page into chunks per channel, keyed by each chunk\'s first recipient', () => {
  const ids = Array.from({ length: NOTIFY_CHUNK + 3 }, (_, i) => `s${String(i).padStart(3, '0')}`);
  const jobs = ids.flatMap((id) => [channelJob(n, 'email', [id], NOW, 0), channelJob(n, 'push', [id], NOW, 0)]);
  const grouped = groupChannelJobs(n, jobs, NOW);
  const summary = grouped.map((j) => ({ key: j.dedupKey, subscribers: j.payload.kind === 'channel' ? j.payload.subscribers.length : 0 }));
  assert.deepEqual(summary, [
    { key: 'notify:12:email:s000:0', subscribers: NOTIFY_CHUNK },
    { key: 'notify:12:push:s000:0', subscribers: NOTIFY_CHUNK },
    { key: `notify:12:email:${ids[NOTIFY_CHUNK]}:0`, subscribers: 3 },
    { key: `notify:12:push:${ids[NOTIFY_CHUNK]}:0`, subscribers: 3 },
  ]);
  const emailed = grouped.flatMap((j) => (j.payload.kind === 'channel' && j.payload.channel === 'email' ? j.payload.subscribers : []));
  assert.deepEqual(emailed, ids, 'every recipient once, in order');
});

test('groupChannelJobs leaves digests, later jobs and other kinds alone', () => {
  const digest = channelJob(n, 'email', ['a'], NOW, 0, { events: [{ x: 1 }], count: 1 });
  const later = channelJob(n, 'email', ['b'], NOW + 60_000, 0);
  const plan = planJob(n, 'c', 'digest', NOW + 60_000);
  const soon = channelJob(n, 'email', ['d'], NOW + 500, 0);
  const grouped = groupChannelJobs(n, [digest, later, plan, soon], NOW);
  assert.equal(grouped.length, 4);
  assert.deepEqual(grouped.slice(0, 3), [digest, later, plan]);
  assert.deepEqual(grouped[3]!.payload, { kind: 'channel', seq: 12, channel: 'email', subscribers: ['d'] });
});
