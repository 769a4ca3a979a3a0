import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Bus, BusChannel, BusChannels } from '../../src/ports/bus.js';
import type { Logger } from '../../src/ports/logger.js';
import { eventually } from './wait.js';

/**
 * Three nodes of one cluster. An adapter that is a single process (the in-process bus) passes the
 * same bus as all three: every test still holds, the "other nodes" being the same one.
 */
export interface BusNodes {
  a: Bus;
  b: Bus;
  c: Bus;
  /** Closes whatever is still open. */
  close(): Promise<void>;
}

/** Opens fresh nodes that log to `logger`. */
export type OpenBusNodes = (logger: Logger) => Promise<BusNodes>;

/** A logger that keeps what is logged at error level. */
export function recordingLogger(): Logger & { errors: { obj: object; msg?: string }[] } {
  const errors: { obj: object; msg?: string }[] = [];
  return {
    errors,
    debug() {},
    info() {},
    warn() {},
    error(obj, msg) {
      errors.push({ obj, ...(msg !== undefined ? { msg } : {}) });
    },
  };
}

/** Every payload a handler heard, in order. */
function listen<C extends BusChannel>(bus: Bus, channel: C): { heard: BusChannels[C][]; stop: () => void } {
  const heard: BusChannels[C][] = [];
  const stop = bus.subscribe(channel, (payload) => heard.push(payload));
  return { heard, stop };
}

const wake = (n: number | string): BusChannels['queue.wake'] => ({ queue: 'conformance', partitions: [String(n)] });

/**
 * Every open node publishes a marker on `queue.wake`; resolves once every node heard every marker.
 * The bus orders nothing across nodes, but the markers go out only after the payloads they fence
 * were published, and a transport that relays through one server (Redis) hands each subscriber
 * what it relays in the order it relayed it. A node hears its own marker at once, the others'
 * through the transport: once it heard theirs, a duplicate or an echo of anything published
 * earlier would have reached it already.
 */
async function fence(nodes: Bus[]): Promise<void> {
  const buses = [...new Set(nodes)];
  const markers = buses.map(() => `fence-${Math.random().toString(36).slice(2)}`);
  const listeners = buses.map((bus) => listen(bus, 'queue.wake'));
  try {
    await Promise.all(buses.map((bus, i) => bus.publish('queue.wake', wake(markers[i]!))));
    await eventually('every fence marker on every node', () => listeners.every((l) => markers.every((m) => l.heard.some((p) => p.partitions[0] === m))));
  } finally {
    for (const l of listeners) l.stop();
  }
}

const isFence = (p: BusChannels['queue.wake']) => p.partitions[0]!.startsWith('fence-');

/**
 * The Bus port's contract (src/ports/bus.ts), for every adapter: a publish reaches the handlers of
 * every node once, this node's before `publish` resolves; per-channel order from one node;
 * channels kept apart; unsubscribe; a throwing handler is logged and skipped; close.
 */
export function busConformance(name: string, open: OpenBusNodes, skip?: () => Promise<string | undefined>): void {
  describe(`Bus conformance: ${name}`, async () => {
    const skipped = skip ? await skip() : undefined;
    const test = (title: string, body: (nodes: BusNodes, logger: ReturnType<typeof recordingLogger>) => Promise<void>) =>
      it(title, skipped ? { skip: skipped } : {}, async () => {
        const logger = recordingLogger();
        const nodes = await open(logger);
        try {
          await body(nodes, logger);
        } finally {
          await nodes.close();
        }
      });

    test('a publish reaches the handlers of both nodes exactly once, its own node before publish resolves', async (nodes) => {
      const onA = listen(nodes.a, 'queue.wake');
      const onB = listen(nodes.b, 'queue.wake');
      await nodes.a.publish('queue.wake', wake(1));
      assert.deepEqual(onA.heard, [wake(1)], "the publishing node's own handler ran before publish resolved");
      await eventually('the payload on node B', () => onB.heard.length > 0);
      await fence([nodes.a, nodes.b, nodes.c]);
      assert.deepEqual(onA.heard.filter((p) => p.partitions[0] === '1'), [wake(1)]);
      assert.deepEqual(onB.heard.filter((p) => p.partitions[0] === '1'), [wake(1)]);
    });

    test('payloads arrive as the data that was published', async (nodes) => {
      const onB = listen(nodes.b, 'topic.message');
      const message: BusChannels['topic.message'] = {
        id: 'm1', time: 1_700_000_000, event: 'message', topic: 'conformance', title: 'Tëst ✓', message: 'line 1\nline 2',
        priority: 4, tags: ['a', 'b'], actions: [{ id: 'x', action: 'view', label: 'Open', clear: false, url: 'https://example.com/' }],
      };
      await nodes.a.publish('topic.message', message);
      await eventually('the message on node B', () => onB.heard.length > 0);
      assert.deepEqual(onB.heard, [message]);
    });

    test("one node's payloads on one channel arrive in the order it published them", async (nodes) => {
      const onA = listen(nodes.a, 'queue.wake');
      const onB = listen(nodes.b, 'queue.wake');
      const cancelsOnB = listen(nodes.b, 'push.cancelled');
      const n = 200;
      // Not awaited one by one: order must not depend on the caller waiting for each publish.
      const sent: Promise<void>[] = [];
      for (let i = 0; i < n; i++) {
        sent.push(nodes.a.publish('queue.wake', wake(i)));
        if (i % 2 === 0) sent.push(nodes.a.publish('push.cancelled', { seq: i }));
      }
      await Promise.all(sent);
      const expected = Array.from({ length: n }, (_, i) => wake(i));
      await eventually('every payload on node B', () => onB.heard.length >= n && cancelsOnB.heard.length >= n / 2);
      assert.deepEqual(onA.heard, expected);
      assert.deepEqual(onB.heard.slice(0, n), expected);
      assert.deepEqual(cancelsOnB.heard.slice(0, n / 2), Array.from({ length: n / 2 }, (_, i) => ({ seq: i * 2 })));
    });

    test('a handler hears only its own channel', async (nodes) => {
      const cancels = listen(nodes.b, 'push.cancelled');
      const wakes = listen(nodes.b, 'queue.wake');
      await nodes.a.publish('queue.wake', wake(1));
      await nodes.a.publish('notify.cancelled', { seq: 7 });
      await fence([nodes.a, nodes.b, nodes.c]);
      assert.deepEqual(cancels.heard, []);
      assert.deepEqual(wakes.heard.filter((p) => p.partitions[0] === '1'), [wake(1)]);
    });

    test('an unsubscribed handler hears nothing more, the others keep theirs, and unsubscribing twice is harmless', async (nodes) => {
      const first = listen(nodes.b, 'queue.wake');
      const second = listen(nodes.b, 'queue.wake');
      await nodes.a.publish('queue.wake', wake(1));
      await eventually('the first payload on node B', () => first.heard.length === 1 && second.heard.length === 1);
      first.stop();
      first.stop();
      const third = listen(nodes.b, 'queue.wake');
      await nodes.a.publish('queue.wake', wake(2));
      await fence([nodes.a, nodes.b, nodes.c]);
      assert.deepEqual(first.heard, [wake(1)]);
      assert.deepEqual(second.heard.filter((p) => !isFence(p)), [wake(1), wake(2)]);
      assert.deepEqual(third.heard.filter((p) => !isFence(p)), [wake(2)]);
    });

    test('a throwing handler is logged, and neither the other handlers nor later payloads miss anything', async (nodes, logger) => {
      nodes.b.subscribe('push.cancelled', () => {
        throw new Error('handler bug');
      });
      const after = listen(nodes.b, 'push.cancelled');
      await nodes.a.publish('push.cancelled', { seq: 1 });
      await nodes.a.publish('push.cancelled', { seq: 2 });
      await eventually('both payloads on node B', () => after.heard.length === 2);
      assert.deepEqual(after.heard, [{ seq: 1 }, { seq: 2 }]);
      assert.equal(logger.errors.length, 2, 'each failure was logged');
      assert.match(JSON.stringify(logger.errors[0]), /push\.cancelled/);
    });

    test('both nodes report healthy while connected', async (nodes) => {
      assert.equal(nodes.a.healthy(), true);
      assert.equal(nodes.b.healthy(), true);
    });

    test('close is idempotent; a closed node hears nothing more and its publishes are no-ops', async (nodes) => {
      const onA = listen(nodes.a, 'queue.wake');
      const onB = listen(nodes.b, 'queue.wake');
      await Promise.all([nodes.a.close(), nodes.a.close()]);
      await nodes.a.close();
      await nodes.a.publish('queue.wake', wake(1));
      assert.deepEqual(onA.heard, []);
      if (nodes.b !== nodes.a && nodes.c !== nodes.a) {
        // Had A's publish gone out, B would hear it before C's later marker.
        await fence([nodes.b, nodes.c]);
        await nodes.c.publish('queue.wake', wake(2));
        await fence([nodes.b, nodes.c]);
        assert.deepEqual(onB.heard.filter((p) => !isFence(p)), [wake(2)], "the other nodes go on; the closed node's publish went nowhere");
      }
      assert.deepEqual(onA.heard, [], 'the closed node heard nothing');
    });
  });
}
