import { join } from 'node:path';
import { openHeraldDatabase } from '../src/adapters/sqlite/herald-db/open-herald-db.js';
import { createSqlitePushStore } from '../src/adapters/sqlite/push/sqlite-push-store.js';
import type { PushJob } from '../src/core/push/jobs.js';
import { Router } from '../src/core/push/router.js';
import type { PushAudience } from '../src/ports/push-store.js';
import type { Queue } from '../src/ports/queue.js';
import { seedDevices } from '../test/helpers/seed-devices.js';
import { makeTmpDir } from './lib/proc.js';
import { bar, fmt, int, parseOptions, table } from './lib/stats.js';

/**
 * `filter-routing`: routing alone (audience pages into deliveries, send jobs counted and dropped)
 * of a push to a filter against the same push to a topic, on N devices of one topic in SQLite.
 * Each audience is routed `rounds` times, alternating, and the median is kept. Bar: a filter that
 * takes the whole topic routes within 1.5x the topic's time.
 */
export async function main(args: string[]): Promise<number> {
  const o = parseOptions(args, { devices: 20_000, rounds: 3 });
  const tmp = makeTmpDir('filter-routing');
  try {
    const file = join(tmp.dir, 'herald.db');
    const seeded = await seedDevices(file, { count: o.devices, topic: 'everyone', fcmShare: 0.5 });
    console.log(`filter-routing: seeded ${int(seeded.length)} devices on one topic (half APNs/ios, half FCM/android)`);
    const herald = await openHeraldDatabase({ file });
    const pushes = await createSqlitePushStore({ file: join(tmp.dir, 'queue.db') });
    let jobs = 0;
    const queue = { async enqueue(batch: unknown[]) { jobs += batch.length; return { duplicates: [] }; } } as unknown as Queue<PushJob>;
    const router = new Router({ store: pushes, devices: herald.devices, queue, wake() {}, backlog: () => 0, enqueued() {} });

    const cases: [string, PushAudience][] = [
      ['topic', { topics: ['everyone'] }],
      ['filter {topics}', { filter: { topics: ['everyone'] } }],
      ['filter {}', { filter: {} }],
      ['filter {platforms: ios}', { filter: { platforms: ['ios'] } }],
      ['filter {topics, providers: fcm}', { filter: { topics: ['everyone'], providers: ['fcm'] } }],
      ['filter {platforms: web} (none)', { filter: { platforms: ['web'] } }],
    ];
    const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
    const targets = new Map<string, number>();
    let n = 0;
    for (let round = 0; round < o.rounds; round++) {
      for (const [name, audience] of cases) {
        const content = { id: `b${n}`, notification: { title: 'x' }, overrides: {}, priority: 'normal' as const };
        const push = await pushes.create({ id: `b${n++}`, createdAt: Date.now(), sendAt: null, expiresAt: null, content, audience, lane: 'bulk', actor: 'bench' });
        const t = performance.now();
        await router.route(push.seq, () => Date.now());
        times.get(name)!.push(performance.now() - t);
        targets.set(name, (await pushes.bySeq(push.seq))!.targets);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const rows = cases.map(([name]) => {
      const ms = median(times.get(name)!);
      const count = targets.get(name)!;
      return [name, int(count), `${fmt(ms, 0)} ms`, count > 0 ? `${int((count / ms) * 1000)} /s` : '-'];
    });
    console.log(table([['audience', 'targets', 'median route time', 'deliveries routed'], ...rows]));
    console.log(`send jobs enqueued (all rounds): ${int(jobs)}`);
    const topicMs = median(times.get('topic')!);
    const filterMs = median(times.get('filter {topics}')!);
    const allMs = median(times.get('filter {}')!);
    bar('filter routes at the pace of a topic', filterMs <= 1.5 * topicMs && allMs <= 1.5 * topicMs,
      `filter {topics} ${fmt(filterMs, 0)} ms, filter {} ${fmt(allMs, 0)} ms vs topic ${fmt(topicMs, 0)} ms`);
    await pushes.close();
    await herald.close();
    return 0;
  } finally {
    tmp.remove();
  }
}
