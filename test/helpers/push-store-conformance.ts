import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from './manual-clock.js';
import { useTestDatabase, type TestDatabase } from './test-database.js';
import type { Provider } from '../../src/ports/device-store.js';
import type { DeliveryRecord, DeliveryResult, NewDelivery, NewPush, PushRecord, PushStore } from '../../src/ports/push-store.js';

/** What an adapter hands the suite: the ledger and the way to close the connection behind it. */
export interface OpenedPushStore {
  pushes: PushStore;
  close(): Promise<void>;
}

/** One empty database per test. `open` may be called again after a close, to check what was kept. */
export type PushStoreTestDatabase = TestDatabase<OpenedPushStore>;

const MINUTE = 60_000;
/** A minute boundary, so tests can place outcomes at the start or end of a stats minute. */
const T0 = 28_333_334 * MINUTE;

/**
 * The behaviour every PushStore adapter must show; call it once per adapter from that adapter's
 * test file. Every time is given by the caller (the ledger never reads a clock), so each test
 * moves a ManualClock and passes `clock.now()`.
 */
export function describePushStoreConformance(name: string, makeDatabase: () => Promise<PushStoreTestDatabase>): void {
  describe(`PushStore conformance: ${name}`, () => {
    const db = useTestDatabase(makeDatabase);
    let pushes: PushStore;
    let clock: ManualClock;
    beforeEach(() => {
      pushes = db.first().pushes;
      clock = new ManualClock(T0);
    });

    const create = (fields: Partial<NewPush> = {}) => pushes.create(newPush(clock.now(), fields));
    /** A push routed in one page to these targets. */
    const routed = async (targets: readonly (string | NewDelivery)[], fields: Partial<NewPush> = {}): Promise<PushRecord> => {
      const push = await create(fields);
      const rows = targets.map((t) => (typeof t === 'string' ? delivery(t) : t));
      const last = [...rows.map((r) => r.target)].sort().pop() ?? '';
      assert.notEqual(await pushes.addDeliveries(push.seq, null, last, rows, true, clock.now()), false);
      return (await pushes.bySeq(push.seq))!;
    };
    const list = (seq: number, state?: DeliveryRecord['state']) => pushes.deliveries({ pushSeq: seq, limit: 1000, ...(state && { state }) });
    const one = async (seq: number, target: string) => (await list(seq)).find((d) => d.target === target);
    const result = (seq: number, target: string, state: DeliveryResult['state'], extra: Partial<DeliveryResult> = {}): DeliveryResult =>
      ({ pushSeq: seq, target, state, provider: 'apns', app: 'shop', ...extra });
    /** Claims the targets under `claim` and records one result each, as one worker attempt does. */
    const attempt = async (seq: number, results: DeliveryResult[], claim = `job-${clock.now()}`) => {
      const claimed = await pushes.claim(seq, results.map((r) => r.target), claim, clock.now(), false);
      assert.equal(claimed.length, results.length, 'every target of the attempt was claimable');
      await pushes.record(results, clock.now());
    };

    it('creates a push in phase accepted and reads it back by seq and by id, every field intact', async () => {
      const input = newPush(clock.now(), {
        id: 'order-42', sendAt: T0 + 5000, expiresAt: T0 + 3_600_000, lane: 'high', actor: 'key:k1', category: 'orders',
        audience: {
          users: ['zoë'], topics: ['ünïcode 🚨'], devices: ['dev_a'],
          tokens: [{ provider: 'webpush', app: 'web', token: 'https://push.example/w/1', keys: { p256dh: 'BNc', auth: 'tBH' } }],
        },
      });
      const push = await pushes.create(input);
      assert.ok(Number.isSafeInteger(push.seq) && push.seq > 0, 'seq is a positive integer (a number, not a string)');
      const { category, ...rest } = input;
      assert.deepEqual(push, {
        ...rest, seq: push.seq, category, analyticsId: null, phase: 'accepted', routedCursor: null, enqueuedCursor: null, targets: 0,
      });
      assert.deepEqual(await pushes.bySeq(push.seq), push);
      assert.deepEqual(await pushes.byId('order-42'), push);
      assert.equal(await pushes.bySeq(push.seq + 1000), undefined);
      assert.equal(await pushes.byId('missing'), undefined);

      const plain = await create({ id: 'plain', lane: 'bulk' });
      assert.ok(plain.seq > push.seq, 'seqs grow');
      assert.deepEqual([plain.category, plain.sendAt, plain.expiresAt, plain.lane], [null, null, null, 'bulk'], 'no category is null');
    });

    it('finds the newest push of a reused id, narrowed to one sender and to categories', async () => {
      const older = await create({ id: 'dup', actor: 'key:a', category: 'orders' });
      clock.advance(1000);
      const newer = await create({ id: 'dup', actor: 'key:b' });
      assert.deepEqual(await pushes.byId('dup'), newer);
      assert.deepEqual(await pushes.byId('dup', { actor: 'key:a' }), older);
      assert.equal(await pushes.byId('dup', { actor: 'key:c' }), undefined);
      assert.deepEqual(await pushes.byId('dup', { categories: ['orders'] }), older, 'the newest one in the categories');
      assert.equal(await pushes.byId('dup', { categories: [] }), undefined);
      assert.equal(await pushes.byId('dup', { actor: 'key:b', categories: ['orders'] }), undefined, 'a push without a category is in none');
      assert.deepEqual(await pushes.byId('dup', { actor: 'key:a', categories: ['news', 'orders'] }), older);

      // The sender's newest push with the id is the one the id names; categories only hide it.
      clock.advance(1000);
      await create({ id: 'dup', actor: 'key:a', category: 'news' });
      assert.equal(await pushes.byId('dup', { actor: 'key:a', categories: ['orders'] }), undefined);

      // Created in the same millisecond: the one created last wins.
      await create({ id: 'tie', actor: 'key:a' });
      const last = await create({ id: 'tie', actor: 'key:a' });
      assert.equal((await pushes.byId('tie'))?.seq, last.seq);
      assert.equal((await pushes.byId('tie', { actor: 'key:a' }))?.seq, last.seq);
      assert.equal((await pushes.recent('tie', 'key:a', 0))?.seq, last.seq);
    });

    it('lists pushes newest first by seq, a page below the last seq seen, narrowed to categories', async () => {
      assert.deepEqual(await pushes.list({ limit: 10 }), [], 'none yet');
      const a = await create({ id: 'a', category: 'orders' });
      const b = await create({ id: 'b' });
      clock.advance(-1000);
      // Created "earlier" by the clock, but later by seq: the list follows seq.
      const c = await create({ id: 'c', category: 'news' });
      assert.deepEqual((await pushes.list({ limit: 10 })).map((p) => p.id), ['c', 'b', 'a']);
      assert.deepEqual(await pushes.list({ limit: 1 }), [c], 'a whole record');
      assert.deepEqual((await pushes.list({ beforeSeq: c.seq, limit: 1 })).map((p) => p.id), ['b']);
      assert.deepEqual((await pushes.list({ beforeSeq: b.seq, limit: 5 })).map((p) => p.id), ['a']);
      assert.deepEqual(await pushes.list({ beforeSeq: a.seq, limit: 5 }), []);
      assert.deepEqual((await pushes.list({ categories: ['orders', 'news'], limit: 5 })).map((p) => p.id), ['c', 'a'], 'a push without a category is in none');
      assert.deepEqual((await pushes.list({ categories: ['orders'], beforeSeq: c.seq, limit: 5 })).map((p) => p.id), ['a']);
      assert.deepEqual(await pushes.list({ categories: [], limit: 5 }), []);
    });

    it('finds the newest push by analytics id, scoped as by id; pushes without one never match', async () => {
      const older = await create({ id: 'a-1', analyticsId: 'campaign', actor: 'key:a', category: 'orders' });
      assert.equal(older.analyticsId, 'campaign');
      assert.deepEqual(await pushes.byId('a-1'), older, 'the analytics id is kept with the push');
      clock.advance(1000);
      const newer = await create({ id: 'a-2', analyticsId: 'campaign', actor: 'key:b' });
      await create({ id: 'campaign', actor: 'key:a' });
      assert.deepEqual(await pushes.byAnalyticsId('campaign'), newer, 'the newest push with it, not the push whose id it is');
      assert.deepEqual(await pushes.byAnalyticsId('campaign', { actor: 'key:a' }), older);
      assert.equal(await pushes.byAnalyticsId('campaign', { actor: 'key:c' }), undefined);
      assert.deepEqual(await pushes.byAnalyticsId('campaign', { categories: ['orders'] }), older);
      assert.equal(await pushes.byAnalyticsId('campaign', { actor: 'key:b', categories: ['orders'] }), undefined);
      assert.equal(await pushes.byAnalyticsId('a-1'), undefined, 'a push id is not an analytics id');
      assert.equal(await pushes.byAnalyticsId('missing'), undefined);
    });

    it('finds a recent push of one sender within the idempotency window, its start included', async () => {
      const first = await create({ id: 'r1', actor: 'key:a' });
      assert.deepEqual(await pushes.recent('r1', 'key:a', T0), first, 'created exactly at the start of the window');
      assert.equal(await pushes.recent('r1', 'key:a', T0 + 1), undefined);
      assert.equal(await pushes.recent('r1', 'key:b', 0), undefined, 'another sender never sees it');
      clock.advance(500);
      const again = await create({ id: 'r1', actor: 'key:a' });
      await create({ id: 'r1', actor: 'key:b' });
      assert.deepEqual(await pushes.recent('r1', 'key:a', 0), again);
      assert.equal(await pushes.recent('r2', 'key:a', 0), undefined);
    });

    it('routes page by page behind a compare-and-set cursor; a repeated page adds nothing twice', async () => {
      const push = await create();
      assert.deepEqual((await pushes.unrouted()).map((p) => p.seq), [push.seq]);
      clock.advance(1);
      assert.deepEqual(await pushes.addDeliveries(push.seq, null, 'dev_b', [delivery('dev_b'), delivery('dev_a')], false, clock.now()), ['dev_b', 'dev_a']);
      assert.deepEqual(pick(await pushes.bySeq(push.seq)), { phase: 'routing', routedCursor: 'dev_b', targets: 2 });
      assert.deepEqual((await pushes.unrouted()).map((p) => p.seq), [push.seq], 'still routing');

      // A second router still at the old cursor loses, and its page is not written at all.
      assert.equal(await pushes.addDeliveries(push.seq, null, 'dev_c', [delivery('dev_c')], false, clock.now()), false);
      assert.deepEqual((await list(push.seq)).map((d) => d.target), ['dev_a', 'dev_b']);

      // A page re-run after a crash: the delivery that exists keeps its row, only the new one counts.
      clock.advance(1);
      const added = await pushes.addDeliveries(push.seq, 'dev_b', 'tok_z', [delivery('dev_b', { token: 'changed' }), delivery('tok_z', { deviceId: null })], true, clock.now());
      assert.deepEqual(added, ['tok_z']);
      assert.deepEqual(pick(await pushes.bySeq(push.seq)), { phase: 'routed', routedCursor: 'tok_z', targets: 3 });
      const kept = await one(push.seq, 'dev_b');
      assert.deepEqual([kept?.token, kept?.createdAt], [delivery('dev_b').token, T0 + 1]);
      assert.deepEqual(await pushes.unrouted(), []);
      assert.equal(await pushes.addDeliveries(push.seq, 'tok_z', 'tok_zz', [delivery('tok_zz')], true, clock.now()), false, 'routing is over');

      // Routing an empty audience is done at once, and is not a lost race.
      const empty = await create();
      assert.deepEqual(await pushes.addDeliveries(empty.seq, null, '', [], true, clock.now()), []);
      assert.deepEqual(pick(await pushes.bySeq(empty.seq)), { phase: 'routed', routedCursor: '', targets: 0 });
    });

    it('lists unrouted pushes in creation order, and a cancelled push takes no more deliveries', async () => {
      const a = await create();
      const b = await create();
      const c = await create();
      await pushes.addDeliveries(b.seq, null, 'dev_a', [delivery('dev_a')], false, clock.now());
      await pushes.addDeliveries(a.seq, null, 'dev_a', [delivery('dev_a')], true, clock.now());
      assert.deepEqual((await pushes.unrouted()).map((p) => [p.seq, p.phase]), [[b.seq, 'routing'], [c.seq, 'accepted']]);
      assert.equal(await pushes.cancel(b.seq, clock.now()), 1);
      assert.equal(await pushes.cancel(c.seq, clock.now()), 0, 'nothing routed yet to cancel');
      assert.deepEqual(await pushes.unrouted(), []);
      assert.equal((await pushes.bySeq(c.seq))?.phase, 'cancelled');
      assert.equal(await pushes.addDeliveries(c.seq, null, 'dev_b', [delivery('dev_b')], true, clock.now()), false);
      assert.equal(await pushes.addDeliveries(b.seq, 'dev_a', 'dev_b', [delivery('dev_b')], true, clock.now()), false);
      assert.deepEqual(await list(c.seq), []);
    });

    it('lists deliveries in byte order of target, by state, paging after a target', async () => {
      // Byte order: upper case before lower case, devices (dev_) before raw tokens (tok_).
      const web = delivery('tok_w', { provider: 'webpush', app: 'web', deviceId: null, token: 'https://push.example/w/2', p256dh: 'BNc', auth: 'tBH' });
      const push = await routed(['dev_b', web, 'dev_B', 'dev_a', 'dev_0']);
      const all = await list(push.seq);
      assert.deepEqual(all.map((d) => d.target), ['dev_0', 'dev_B', 'dev_a', 'dev_b', 'tok_w']);
      assert.deepEqual(all[4], {
        ...web, pushSeq: push.seq, state: 'queued', attempts: 0, lastStatus: null, lastError: null, providerId: null,
        createdAt: T0, updatedAt: T0, sentAt: null, nextAt: null,
      });
      const page1 = await pushes.deliveries({ pushSeq: push.seq, limit: 2 });
      const page2 = await pushes.deliveries({ pushSeq: push.seq, limit: 2, after: page1[1]!.target });
      const page3 = await pushes.deliveries({ pushSeq: push.seq, limit: 2, after: page2[1]!.target });
      assert.deepEqual([...page1, ...page2, ...page3].map((d) => d.target), all.map((d) => d.target));
      assert.equal(page3.length, 1);

      await attempt(push.seq, [result(push.seq, 'dev_B', 'sent'), result(push.seq, 'dev_a', 'failed')]);
      assert.deepEqual((await list(push.seq, 'queued')).map((d) => d.target), ['dev_0', 'dev_b', 'tok_w']);
      assert.deepEqual((await pushes.deliveries({ pushSeq: push.seq, state: 'queued', after: 'dev_0', limit: 1 })).map((d) => d.target), ['dev_b']);
      assert.deepEqual((await list(push.seq, 'sent')).map((d) => d.target), ['dev_B']);
      assert.deepEqual(await list(push.seq, 'dead'), []);
      assert.deepEqual(await list(push.seq + 1), [], 'another push has none');

      // What a crash may have left without jobs: queued deliveries after the enqueued cursor.
      assert.deepEqual((await pushes.queued(push.seq, undefined, 10)).map((d) => d.target), ['dev_0', 'dev_b', 'tok_w']);
      assert.deepEqual((await pushes.queued(push.seq, 'dev_0', 1)).map((d) => d.target), ['dev_b']);
      await pushes.setEnqueuedCursor(push.seq, 'dev_b');
      assert.equal((await pushes.bySeq(push.seq))?.enqueuedCursor, 'dev_b');
      await pushes.setEnqueuedCursor(push.seq, null);
      assert.equal((await pushes.bySeq(push.seq))?.enqueuedCursor, null);
    });

    it('claims deliveries for one attempt: queued ones once, the same claim again after a crash, nobody else', async () => {
      const push = await routed(['dev_a', 'dev_b', 'dev_c']);
      const other = await routed(['dev_a']);
      clock.advance(10);
      const claimed = await pushes.claim(push.seq, ['dev_b', 'dev_a'], 'job-1', clock.now(), false);
      assert.deepEqual(byTarget(claimed), [
        { target: 'dev_a', deviceId: 'dev_a', provider: 'apns', app: 'shop', token: delivery('dev_a').token, p256dh: null, auth: null, attempts: 1 },
        { target: 'dev_b', deviceId: 'dev_b', provider: 'apns', app: 'shop', token: delivery('dev_b').token, p256dh: null, auth: null, attempts: 1 },
      ]);
      assert.deepEqual(pick(await one(push.seq, 'dev_a'), ['state', 'attempts', 'updatedAt']), { state: 'sending', attempts: 1, updatedAt: T0 + 10 });
      assert.deepEqual((await pushes.counts(push.seq)).total, { queued: 1, sending: 2 });
      assert.deepEqual(await pushes.claim(push.seq, ['dev_a', 'dev_b'], 'job-2', clock.now(), false), [], 'held by another attempt');
      assert.deepEqual(await pushes.claim(push.seq, ['dev_a', 'dev_b'], 'job-2', clock.now(), true), [], 'held, even from a replay');
      const rerun = await pushes.claim(push.seq, ['dev_a', 'dev_b'], 'job-1', clock.now(), false);
      assert.deepEqual(byTarget(rerun).map((c) => [c.target, c.attempts]), [['dev_a', 2], ['dev_b', 2]], 'the same job after a crash');
      assert.deepEqual(await pushes.claim(push.seq, [], 'job-3', clock.now(), false), []);
      assert.deepEqual(await pushes.claim(push.seq, ['dev_missing'], 'job-3', clock.now(), false), []);
      assert.deepEqual((await pushes.counts(other.seq)).total, { queued: 1 }, 'another push with the same target is untouched');
    });

    it('keeps what a delivery targets: a provider topic or condition comes back as such from claims, listings, the queued page and dead letters', async () => {
      const topic = delivery('tok_topic', { deviceId: null, provider: 'fcm', token: 'sports.news', kind: 'topic' });
      const condition = delivery('tok_cond', { deviceId: null, provider: 'hms', token: "'a' in topics && !('b' in topics)", kind: 'condition' });
      const push = await routed([topic, condition, delivery('tok_plain', { deviceId: null })]);
      assert.deepEqual((await pushes.queued(push.seq, undefined, 10)).map((d) => [d.target, d.kind ?? 'token', d.token]), [
        ['tok_cond', 'condition', condition.token], ['tok_plain', 'token', delivery('tok_plain').token], ['tok_topic', 'topic', 'sports.news'],
      ]);
      const claimed = byTarget(await pushes.claim(push.seq, ['tok_topic', 'tok_cond', 'tok_plain'], 'job-k', clock.now(), false));
      assert.deepEqual(claimed.map((c) => [c.target, c.kind ?? 'token']), [['tok_cond', 'condition'], ['tok_plain', 'token'], ['tok_topic', 'topic']]);
      assert.equal('kind' in claimed[1]!, false, 'a token delivery has no kind at all');
      await pushes.record([result(push.seq, 'tok_topic', 'dead', { provider: 'fcm', error: 'UNAVAILABLE' })], clock.now());
      assert.equal((await one(push.seq, 'tok_cond'))?.kind, 'condition');
      const dead = await pushes.deadDeliveries({ limit: 10 });
      assert.equal(dead.deliveries.find((d) => d.pushSeq === push.seq)?.kind, 'topic');
    });

    it('gives each target to one of two attempts claiming at once, and one of two routers advancing at once', async () => {
      const targets = Array.from({ length: 40 }, (_, i) => `dev_${String(i).padStart(3, '0')}`);
      const push = await routed(targets);
      const [one, two] = await Promise.all([
        pushes.claim(push.seq, targets, 'node-a', clock.now(), false),
        pushes.claim(push.seq, [...targets].reverse(), 'node-b', clock.now(), false),
      ]);
      const all = [...one, ...two].map((c) => c.target).sort();
      assert.deepEqual(all, targets, 'every target claimed, none twice');
      assert.ok([...one, ...two].every((c) => c.attempts === 1));

      const racing = await create();
      const outcomes = await Promise.all([
        pushes.addDeliveries(racing.seq, null, 'dev_b', [delivery('dev_a'), delivery('dev_b')], false, clock.now()),
        pushes.addDeliveries(racing.seq, null, 'dev_d', [delivery('dev_c'), delivery('dev_d')], false, clock.now()),
      ]);
      assert.equal(outcomes.filter((o) => o === false).length, 1, 'exactly one router loses');
      const winner = outcomes.find((o) => o !== false)!;
      assert.deepEqual((await list(racing.seq)).map((d) => d.target), winner, 'only the winner\'s page was written');
      assert.equal((await pushes.bySeq(racing.seq))?.targets, 2);
    });

    it('claims a mix of queued, due and missing targets once each, attempts counted once', async () => {
      const push = await routed(['dev_a', 'dev_b', 'dev_c', 'dev_d']);
      await attempt(push.seq, [
        result(push.seq, 'dev_b', 'retrying', { nextAt: T0 + 1000 }), result(push.seq, 'dev_c', 'sent'), result(push.seq, 'dev_d', 'dead'),
      ], 'job-0');
      clock.advance(999);
      const early = await pushes.claim(push.seq, ['dev_b'], 'job-1', clock.now(), false);
      assert.deepEqual(early, [], 'a retry is not claimable before it is due');
      clock.advance(1);
      const claimed = await pushes.claim(push.seq, ['dev_a', 'dev_b', 'dev_c', 'dev_d', 'dev_missing'], 'job-1', clock.now(), false);
      assert.deepEqual(byTarget(claimed).map((c) => [c.target, c.attempts]), [['dev_a', 1], ['dev_b', 2]], 'due exactly at nextAt; sent and dead ones skipped');
      assert.deepEqual((await list(push.seq)).map((d) => [d.target, d.state, d.attempts]), [
        ['dev_a', 'sending', 1], ['dev_b', 'sending', 2], ['dev_c', 'sent', 1], ['dev_d', 'dead', 1],
      ]);
      assert.equal((await one(push.seq, 'dev_b'))?.nextAt, null, 'a claimed retry is no longer waiting');
      assert.deepEqual((await pushes.counts(push.seq)).total, { sending: 2, sent: 1, dead: 1 });

      // A replay job that ran before its deliveries were revived (a crash in between) may claim them dead.
      const replay = await pushes.claim(push.seq, ['dev_c', 'dev_d'], 'job-2', clock.now(), true);
      assert.deepEqual(replay.map((c) => [c.target, c.attempts]), [['dev_d', 2]]);
      assert.deepEqual((await pushes.counts(push.seq)).total, { sending: 3, sent: 1 });
    });

    it('takes a target named twice once, in claims and in results, and records results of several pushes in one call', async () => {
      const p1 = await routed(['dev_a', 'dev_b']);
      const p2 = await routed(['dev_a']);
      const claimed = await pushes.claim(p1.seq, ['dev_a', 'dev_b', 'dev_a'], 'job-1', clock.now(), false);
      assert.deepEqual(byTarget(claimed).map((c) => [c.target, c.attempts]), [['dev_a', 1], ['dev_b', 1]], 'each target once, one attempt');
      assert.deepEqual((await pushes.claim(p2.seq, ['dev_a', 'dev_a'], 'job-2', clock.now(), false)).map((c) => [c.target, c.attempts]), [['dev_a', 1]]);
      clock.advance(10);
      // The first result for a delivery is its attempt's; a second one in the same call finds it no longer in flight.
      await pushes.record([
        result(p1.seq, 'dev_a', 'sent', { attempt: 'ok' }),
        result(p2.seq, 'dev_a', 'failed', { attempt: 'rejected', status: 400 }),
        result(p1.seq, 'dev_a', 'retrying', { attempt: 'retry', nextAt: clock.now() + 1000 }),
        result(p1.seq, 'dev_b', 'invalid_token', { attempt: 'invalid_token' }),
      ], clock.now());
      assert.deepEqual((await list(p1.seq)).map((d) => [d.target, d.state, d.nextAt]), [['dev_a', 'sent', null], ['dev_b', 'invalid_token', null]]);
      assert.deepEqual(pick(await one(p2.seq, 'dev_a'), ['state', 'lastStatus', 'updatedAt']), { state: 'failed', lastStatus: 400, updatedAt: clock.now() });
      assert.deepEqual((await pushes.counts(p1.seq)).total, { sent: 1, invalid_token: 1 });
      assert.deepEqual((await pushes.counts(p2.seq)).total, { failed: 1 });
      const stats = await pushes.stats({ since: T0, until: T0 });
      assert.deepEqual(stats.byProvider, { apns: { sent: 1, failed: 1, invalid_token: 1 } });
      assert.deepEqual(stats.attempts, { apns: { ok: 1, rejected: 1, invalid_token: 1 } });
    });

    it('records what each attempt ended in; a result for a delivery no longer in flight is ignored', async () => {
      const push = await routed(['dev_a', 'dev_b', 'dev_c', 'dev_d', 'dev_e', 'dev_f']);
      await pushes.claim(push.seq, ['dev_a', 'dev_b', 'dev_c', 'dev_d', 'dev_e'], 'job-1', clock.now(), false);
      clock.advance(250);
      const results = [
        result(push.seq, 'dev_a', 'sent', { providerId: 'apns-id-1', attempt: 'ok', latencyMs: 250 }),
        result(push.seq, 'dev_b', 'retrying', { nextAt: T0 + 5000, status: 503, error: 'ServiceUnavailable', attempt: 'retry' }),
        result(push.seq, 'dev_c', 'failed', { status: 400, error: 'BadTopic', attempt: 'rejected' }),
        result(push.seq, 'dev_d', 'invalid_token', { status: 410, error: 'Unregistered', attempt: 'invalid_token' }),
        result(push.seq, 'dev_e', 'expired', { error: 'expires_at passed' }),
        result(push.seq, 'dev_f', 'sent', { attempt: 'ok' }),
      ];
      await pushes.record(results, clock.now());
      const now = T0 + 250;
      const fields = ['state', 'attempts', 'lastStatus', 'lastError', 'providerId', 'updatedAt', 'sentAt', 'nextAt'] as const;
      assert.deepEqual((await list(push.seq)).map((d) => pick(d, fields)), [
        { state: 'sent', attempts: 1, lastStatus: null, lastError: null, providerId: 'apns-id-1', updatedAt: now, sentAt: now, nextAt: null },
        { state: 'retrying', attempts: 1, lastStatus: 503, lastError: 'ServiceUnavailable', providerId: null, updatedAt: now, sentAt: null, nextAt: T0 + 5000 },
        { state: 'failed', attempts: 1, lastStatus: 400, lastError: 'BadTopic', providerId: null, updatedAt: now, sentAt: null, nextAt: null },
        { state: 'invalid_token', attempts: 1, lastStatus: 410, lastError: 'Unregistered', providerId: null, updatedAt: now, sentAt: null, nextAt: null },
        { state: 'expired', attempts: 1, lastStatus: null, lastError: 'expires_at passed', providerId: null, updatedAt: now, sentAt: null, nextAt: null },
        { state: 'queued', attempts: 0, lastStatus: null, lastError: null, providerId: null, updatedAt: T0, sentAt: null, nextAt: null },
      ], 'dev_f was never claimed, so its result is ignored');
      const counts = { sent: 1, retrying: 1, failed: 1, invalid_token: 1, expired: 1, queued: 1 };
      assert.deepEqual(await pushes.counts(push.seq), { total: counts, byProvider: { apns: counts } });
      const before = await pushes.stats({ since: T0, until: T0 });

      // The same results again (a worker recording twice) change nothing, in the ledger or its stats.
      clock.advance(1000);
      const snapshot = await list(push.seq);
      await pushes.record(results, clock.now());
      assert.deepEqual(await list(push.seq), snapshot);
      assert.deepEqual(await pushes.counts(push.seq), { total: counts, byProvider: { apns: counts } });
      assert.deepEqual(await pushes.stats({ since: T0, until: T0 }), before);
      await pushes.record([], clock.now());

      // A later send keeps the provider id of an earlier answer when it brings none.
      clock.advance(4000);
      await attempt(push.seq, [result(push.seq, 'dev_b', 'sent', { providerId: 'apns-id-2' })]);
      await attempt(push.seq, [result(push.seq, 'dev_f', 'retrying', { providerId: 'apns-id-3', nextAt: clock.now() })]);
      await attempt(push.seq, [result(push.seq, 'dev_f', 'sent')]);
      assert.deepEqual(pick(await one(push.seq, 'dev_f'), ['state', 'providerId', 'attempts', 'sentAt']), { state: 'sent', providerId: 'apns-id-3', attempts: 2, sentAt: clock.now() });
    });

    it('a gate holds a delivery back as queued, its attempt given back and no end in the stats; a drop ends it', async () => {
      const push = await routed(['dev_a', 'dev_b', 'dev_c']);
      await attempt(push.seq, [result(push.seq, 'dev_a', 'retrying', { nextAt: T0, status: 503, error: 'busy', attempt: 'retry' })]);
      await pushes.claim(push.seq, ['dev_a', 'dev_b', 'dev_c'], 'gated', clock.now(), false);
      clock.advance(100);
      await pushes.record([
        result(push.seq, 'dev_a', 'queued', { nextAt: T0 + 3_600_000, error: 'outside the send window' }),
        result(push.seq, 'dev_b', 'queued', { nextAt: T0 + 60_000, error: 'rate limited' }),
        result(push.seq, 'dev_c', 'dropped', { error: 'rate limited' }),
      ], clock.now());
      const fields = ['state', 'attempts', 'lastError', 'nextAt', 'updatedAt'] as const;
      assert.deepEqual((await list(push.seq)).map((d) => pick(d, fields)), [
        { state: 'queued', attempts: 1, lastError: 'outside the send window', nextAt: T0 + 3_600_000, updatedAt: T0 + 100 },
        { state: 'queued', attempts: 0, lastError: 'rate limited', nextAt: T0 + 60_000, updatedAt: T0 + 100 },
        { state: 'dropped', attempts: 1, lastError: 'rate limited', nextAt: null, updatedAt: T0 + 100 },
      ], 'the earlier real attempt of dev_a still counts');
      assert.deepEqual(await pushes.counts(push.seq), { total: { queued: 2, dropped: 1 }, byProvider: { apns: { queued: 2, dropped: 1 } } });
      assert.deepEqual((await pushes.stats({ since: T0, until: T0 })).byProvider, { apns: { dropped: 1 } }, 'only the drop ended');

      // Held ones are claimable again (by the job due then) and can be cancelled meanwhile.
      clock.advance(60_000);
      await attempt(push.seq, [result(push.seq, 'dev_b', 'sent', { attempt: 'ok' })]);
      assert.equal((await one(push.seq, 'dev_b'))?.attempts, 1);
      assert.equal(await pushes.cancel(push.seq, clock.now()), 1);
      assert.equal((await one(push.seq, 'dev_a'))?.state, 'cancelled');
    });

    it('cancels every unfinished delivery; an in-flight one stays cancelled unless the provider already had it', async () => {
      const push = await routed(['dev_a', 'dev_b', 'dev_c', 'dev_d', 'dev_e', 'dev_f']);
      await attempt(push.seq, [result(push.seq, 'dev_a', 'sent', { attempt: 'ok' }), result(push.seq, 'dev_b', 'failed', { attempt: 'rejected' })]);
      await attempt(push.seq, [result(push.seq, 'dev_c', 'retrying', { nextAt: T0 + 60_000, attempt: 'retry' })]);
      await pushes.claim(push.seq, ['dev_d', 'dev_e'], 'in-flight', clock.now(), false);
      clock.advance(5);
      assert.equal(await pushes.cancel(push.seq, clock.now()), 4, 'retrying dev_c, in-flight dev_d and dev_e, queued dev_f');
      assert.equal((await pushes.bySeq(push.seq))?.phase, 'cancelled');
      assert.deepEqual((await list(push.seq)).map((d) => [d.target, d.state]), [
        ['dev_a', 'sent'], ['dev_b', 'failed'], ['dev_c', 'cancelled'], ['dev_d', 'cancelled'], ['dev_e', 'cancelled'], ['dev_f', 'cancelled'],
      ]);
      assert.equal((await one(push.seq, 'dev_c'))?.nextAt, null, 'no retry follows');
      assert.equal(await pushes.cancel(push.seq, clock.now()), 0, 'cancelling twice cancels nothing more');
      assert.deepEqual(await pushes.claim(push.seq, ['dev_c', 'dev_d', 'dev_f'], 'in-flight', clock.now(), true), [], 'nothing cancelled is claimable');

      // The attempts in flight end: a retry stays cancelled, a send the provider accepted is what happened.
      clock.advance(5);
      await pushes.record([
        result(push.seq, 'dev_d', 'retrying', { nextAt: clock.now() + 1000, status: 503, attempt: 'retry' }),
        result(push.seq, 'dev_e', 'sent', { providerId: 'late', attempt: 'ok', latencyMs: 10 }),
        result(push.seq, 'dev_f', 'sent', { attempt: 'ok' }),
      ], clock.now());
      assert.deepEqual((await list(push.seq)).map((d) => [d.target, d.state]), [
        ['dev_a', 'sent'], ['dev_b', 'failed'], ['dev_c', 'cancelled'], ['dev_d', 'cancelled'], ['dev_e', 'sent'], ['dev_f', 'cancelled'],
      ], 'dev_f was cancelled before any attempt: a stray result does not revive it');
      assert.deepEqual(pick(await one(push.seq, 'dev_e'), ['providerId', 'sentAt']), { providerId: 'late', sentAt: clock.now() });
      assert.deepEqual((await pushes.counts(push.seq)).total, { sent: 2, failed: 1, cancelled: 3 });
      await pushes.record([result(push.seq, 'dev_d', 'sent')], clock.now());
      assert.equal((await one(push.seq, 'dev_d'))?.state, 'cancelled', 'its attempt was already recorded');

      // Each delivery counts once in the stats, where it ended; each attempt that reached the provider once.
      const stats = await pushes.stats({ since: T0, until: T0 });
      assert.deepEqual(stats.byProvider, { apns: { sent: 2, failed: 1, cancelled: 3 } });
      assert.deepEqual(stats.attempts, { apns: { ok: 2, rejected: 1, retry: 2 } });
    });

    it('takes app reports forward only: sent, delivered, interacted; a repeat is accepted', async () => {
      const push = await routed(['dev_a', 'dev_b', 'dev_c']);
      await attempt(push.seq, [result(push.seq, 'dev_a', 'sent'), result(push.seq, 'dev_b', 'sent')]);
      clock.advance(100);
      assert.equal(await pushes.reportStatus(push.seq, 'dev_a', 'delivered', clock.now()), true);
      assert.deepEqual(pick(await one(push.seq, 'dev_a'), ['state', 'updatedAt', 'sentAt']), { state: 'delivered', updatedAt: T0 + 100, sentAt: T0 });
      assert.equal(await pushes.reportStatus(push.seq, 'dev_a', 'delivered', clock.now()), true, 'a retried report');
      assert.equal(await pushes.reportStatus(push.seq, 'dev_a', 'interacted', clock.now()), true);
      assert.equal(await pushes.reportStatus(push.seq, 'dev_a', 'delivered', clock.now()), true, 'backwards is accepted and ignored');
      assert.equal((await one(push.seq, 'dev_a'))?.state, 'interacted');
      assert.equal(await pushes.reportStatus(push.seq, 'dev_b', 'interacted', clock.now()), true, 'sent straight to interacted');
      assert.equal(await pushes.reportStatus(push.seq, 'dev_c', 'delivered', clock.now()), false, 'never sent');
      assert.equal(await pushes.reportStatus(push.seq, 'dev_missing', 'delivered', clock.now()), false);
      assert.equal(await pushes.reportStatus(push.seq + 1, 'dev_a', 'delivered', clock.now()), false);
      assert.deepEqual((await pushes.counts(push.seq)).total, { interacted: 2, queued: 1 });
    });

    it('lists dead letters newest first with ties broken by push and target, paging without gaps', async () => {
      const p1 = await routed(['dev_a', 'dev_b', 'dev_c'], { id: 'first' });
      const p2 = await routed([delivery('dev_a', { provider: 'fcm', app: 'other' })], { id: 'second' });
      await attempt(p1.seq, [result(p1.seq, 'dev_a', 'dead', { error: 'retry after 4 attempts' })]);
      clock.advance(1000);
      await attempt(p1.seq, [result(p1.seq, 'dev_b', 'dead'), result(p1.seq, 'dev_c', 'dead')]);
      await attempt(p2.seq, [result(p2.seq, 'dev_a', 'dead', { provider: 'fcm', app: 'other' })]);
      const keyOf = (d: { pushSeq: number; target: string }) => `${d.pushSeq === p1.seq ? 'p1' : 'p2'}/${d.target}`;
      const order = ['p2/dev_a', 'p1/dev_c', 'p1/dev_b', 'p1/dev_a'];

      const all = await pushes.deadDeliveries({ limit: 10 });
      assert.deepEqual(all.deliveries.map(keyOf), order);
      assert.equal(all.nextCursor, undefined);
      assert.deepEqual(all.deliveries.map((d) => d.pushId), ['second', 'first', 'first', 'first']);
      assert.deepEqual(pick(all.deliveries[3], ['state', 'lastError', 'updatedAt']), { state: 'dead', lastError: 'retry after 4 attempts', updatedAt: T0 });
      for (const limit of [1, 2, 3]) {
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await pushes.deadDeliveries({ limit, ...(cursor !== undefined && { cursor }) });
          assert.ok(page.deliveries.length <= limit);
          seen.push(...page.deliveries.map(keyOf));
          cursor = page.nextCursor;
        } while (cursor !== undefined);
        assert.deepEqual(seen, order, `pages of ${limit}`);
      }
      assert.equal((await pushes.deadDeliveries({ limit: 4 })).nextCursor, undefined, 'an exactly full last page has no cursor');
      assert.deepEqual((await pushes.deadDeliveries({ limit: 10, provider: 'fcm' })).deliveries.map(keyOf), ['p2/dev_a']);
      assert.deepEqual((await pushes.deadDeliveries({ limit: 10, app: 'shop' })).deliveries.map(keyOf), ['p1/dev_c', 'p1/dev_b', 'p1/dev_a']);
      assert.deepEqual((await pushes.deadDeliveries({ limit: 10, provider: 'fcm', app: 'shop' })).deliveries, []);

      // For replay: named ones (others skipped), or the oldest of a provider or app.
      const named = await pushes.findDead({ keys: [{ pushSeq: p1.seq, target: 'dev_a' }, { pushSeq: p1.seq, target: 'dev_missing' }, { pushSeq: p2.seq, target: 'dev_a' }] });
      assert.deepEqual(named.map(keyOf).sort(), ['p1/dev_a', 'p2/dev_a']);
      assert.deepEqual((await pushes.findDead({ limit: 3 })).map(keyOf), ['p1/dev_a', 'p1/dev_b', 'p1/dev_c'], 'oldest first, ties by push and target');
      assert.deepEqual((await pushes.findDead({ provider: 'fcm', limit: 3 })).map(keyOf), ['p2/dev_a']);
      assert.deepEqual((await pushes.findDead({ app: 'shop', limit: 1 })).map(keyOf), ['p1/dev_a']);
    });

    it('revives dead deliveries to queued with attempts reset, once', async () => {
      const push = await routed(['dev_a', 'dev_b', 'dev_c']);
      await attempt(push.seq, [result(push.seq, 'dev_a', 'dead', { status: 503, error: 'gave up' }), result(push.seq, 'dev_b', 'dead'), result(push.seq, 'dev_c', 'sent')]);
      clock.advance(MINUTE);
      const keys = [{ pushSeq: push.seq, target: 'dev_a' }, { pushSeq: push.seq, target: 'dev_c' }, { pushSeq: push.seq, target: 'dev_missing' }];
      assert.equal(await pushes.revive(keys, clock.now()), 1, 'only the dead one');
      assert.deepEqual(pick(await one(push.seq, 'dev_a'), ['state', 'attempts', 'nextAt', 'updatedAt']), { state: 'queued', attempts: 0, nextAt: null, updatedAt: clock.now() });
      assert.equal((await one(push.seq, 'dev_c'))?.state, 'sent');
      assert.equal(await pushes.revive(keys, clock.now()), 0, 'reviving again does nothing');
      assert.equal(await pushes.revive([], clock.now()), 0);
      assert.deepEqual((await pushes.deadDeliveries({ limit: 10 })).deliveries.map((d) => d.target), ['dev_b']);
      assert.deepEqual((await pushes.counts(push.seq)).total, { queued: 1, dead: 1, sent: 1 });
      // It did not end dead after all: the minute it died no longer counts it.
      assert.deepEqual((await pushes.stats({ since: T0, until: T0 })).byProvider, { apns: { dead: 1, sent: 1 } });
      const claimed = await pushes.claim(push.seq, ['dev_a'], 'replay-1', clock.now(), true);
      assert.deepEqual(claimed.map((c) => c.attempts), [1]);
    });

    it('lists a delivery dead again after its replay once, at its new time, and one claimed from the dead letters no more', async () => {
      const push = await routed(['dev_a', 'dev_b', 'dev_c']);
      await attempt(push.seq, [result(push.seq, 'dev_a', 'dead'), result(push.seq, 'dev_b', 'dead'), result(push.seq, 'dev_c', 'dead')]);
      clock.advance(1000);
      assert.equal(await pushes.revive([{ pushSeq: push.seq, target: 'dev_a' }], clock.now()), 1);
      clock.advance(1000);
      await attempt(push.seq, [result(push.seq, 'dev_a', 'dead', { error: 'again' })], 'replay-1');
      const listed = (await pushes.deadDeliveries({ limit: 10 })).deliveries;
      assert.deepEqual(listed.map((d) => [d.target, d.updatedAt, d.attempts]), [['dev_a', T0 + 2000, 1], ['dev_c', T0, 1], ['dev_b', T0, 1]]);
      assert.deepEqual((await pushes.findDead({ limit: 10 })).map((d) => d.target), ['dev_b', 'dev_c', 'dev_a']);

      // A replay job that ran before its deliveries were revived takes them straight from the dead letters.
      const claimed = await pushes.claim(push.seq, ['dev_b'], 'replay-2', clock.now(), true);
      assert.deepEqual(claimed.map((c) => c.target), ['dev_b']);
      assert.deepEqual((await pushes.deadDeliveries({ limit: 10 })).deliveries.map((d) => d.target), ['dev_a', 'dev_c']);
      assert.deepEqual((await pushes.findDead({ keys: [{ pushSeq: push.seq, target: 'dev_b' }] })), []);
      await pushes.record([result(push.seq, 'dev_b', 'sent')], clock.now());
      assert.deepEqual((await pushes.findDead({ provider: 'apns', limit: 10 })).map((d) => d.target), ['dev_c', 'dev_a']);
      assert.deepEqual((await pushes.counts(push.seq)).total, { dead: 2, sent: 1 });
    });

    it('counts outcomes, attempts and latency per whole minute, filtered by app', async () => {
      const shop = await routed(['dev_a', 'dev_b', 'dev_c', 'dev_d', 'dev_e', 'dev_f']);
      const other = await routed([delivery('dev_a', { provider: 'fcm', app: 'other' })]);
      assert.deepEqual(await pushes.stats({ since: T0, until: T0 + MINUTE }), { byProvider: {}, attempts: {}, latency: null }, 'nothing ended yet');
      clock.advance(59_999);
      await attempt(shop.seq, [
        result(shop.seq, 'dev_a', 'sent', { attempt: 'ok', latencyMs: 100 }),
        result(shop.seq, 'dev_b', 'sent', { attempt: 'ok', latencyMs: 100 }),
        result(shop.seq, 'dev_c', 'sent', { attempt: 'ok' }),
        result(shop.seq, 'dev_d', 'retrying', { attempt: 'throttled', nextAt: T0 + MINUTE }),
        result(shop.seq, 'dev_e', 'invalid_token', { attempt: 'invalid_token' }),
      ]);
      await attempt(other.seq, [result(other.seq, 'dev_a', 'sent', { provider: 'fcm', app: 'other', attempt: 'ok', latencyMs: 2000 })]);
      clock.advance(1);
      await attempt(shop.seq, [result(shop.seq, 'dev_d', 'dead', { attempt: 'retry' }), result(shop.seq, 'dev_f', 'failed', { attempt: 'rejected' })]);

      const first = await pushes.stats({ since: T0 + 59_999, until: T0 + 59_999 });
      assert.deepEqual(first.byProvider, { apns: { sent: 3, invalid_token: 1 }, fcm: { sent: 1 } }, 'a retry is not where a delivery ends');
      assert.deepEqual(first.attempts, { apns: { ok: 3, throttled: 1, invalid_token: 1 }, fcm: { ok: 1 } });
      const latency = first.latency;
      assert.ok(latency);
      assert.equal(latency.count, 3, 'only first sends with a latency');
      assert.ok(latency.p50 >= 100 && latency.p50 <= 105, `p50 ${latency.p50} is 100 ms within 5 %`);
      assert.ok(latency.p99 >= 2000 && latency.p99 <= 2100, `p99 ${latency.p99} is 2 s within 5 %`);
      assert.ok(latency.p95 >= latency.p50 && latency.p99 >= latency.p95);

      const second = await pushes.stats({ since: T0 + MINUTE, until: T0 + 2 * MINUTE - 1 });
      assert.deepEqual(second, { byProvider: { apns: { dead: 1, failed: 1 } }, attempts: { apns: { retry: 1, rejected: 1 } }, latency: null });
      const both = await pushes.stats({ since: T0 + 30_000, until: T0 + MINUTE });
      assert.deepEqual(both.byProvider, { apns: { sent: 3, invalid_token: 1, dead: 1, failed: 1 }, fcm: { sent: 1 } }, 'both ends round down to their minute');
      const otherApp = await pushes.stats({ since: T0, until: T0 + 10 * MINUTE, app: 'other' });
      assert.deepEqual(otherApp.byProvider, { fcm: { sent: 1 } });
      assert.deepEqual(otherApp.attempts, { fcm: { ok: 1 } });
      assert.equal(otherApp.latency?.count, 1);
      assert.deepEqual(await pushes.stats({ since: T0 + 2 * MINUTE, until: T0 + 10 * MINUTE }), { byProvider: {}, attempts: {}, latency: null });
    });

    it('prunes pushes created before a time with all they hold, keeping those still to be sent; seqs are never reused', async () => {
      const old = await routed(['dev_a', 'dev_b'], { id: 'old' });
      await attempt(old.seq, [result(old.seq, 'dev_a', 'dead', { attempt: 'retry' })]);
      const scheduled = await routed(['dev_a'], { id: 'scheduled', sendAt: T0 + 10 * 86_400_000 });
      clock.advance(86_400_000);
      const edge = await routed(['dev_a'], { id: 'edge' });
      clock.advance(86_400_000);
      const fresh = await routed(['dev_a'], { id: 'fresh' });
      await attempt(fresh.seq, [result(fresh.seq, 'dev_a', 'sent', { attempt: 'ok' })]);
      const last = await pushes.create(newPush(T0, { id: 'late-old' }));

      assert.equal(await pushes.prune(T0 + 86_400_000), 2, 'old and late-old; edge was created exactly at the limit');
      for (const gone of [old, last]) {
        assert.equal(await pushes.bySeq(gone.seq), undefined);
        assert.deepEqual(await list(gone.seq), []);
        assert.deepEqual(await pushes.counts(gone.seq), { total: {}, byProvider: {} });
      }
      assert.equal(await pushes.byId('old'), undefined);
      assert.deepEqual((await pushes.deadDeliveries({ limit: 10 })).deliveries, []);
      assert.deepEqual(await pushes.findDead({ keys: [{ pushSeq: old.seq, target: 'dev_a' }] }), []);
      for (const kept of [scheduled, edge, fresh]) assert.equal((await pushes.bySeq(kept.seq))?.targets, 1);
      assert.deepEqual(await pushes.stats({ since: T0, until: T0 + 86_400_000 - 1 }), { byProvider: {}, attempts: {}, latency: null }, 'stats older than the limit go too');
      assert.deepEqual((await pushes.stats({ since: T0, until: clock.now() })).byProvider, { apns: { sent: 1 } });
      assert.equal(await pushes.prune(T0 + 86_400_000), 0);

      const next = await create({ id: 'next' });
      assert.ok(next.seq > last.seq, 'a pruned seq is never handed out again');
    });

    it('erases a user: pushes for them alone go whole, shared ones forget them, their devices lose tokens', async () => {
      const annPhone = delivery('dev_ann1');
      const annBrowser = delivery('dev_ann2', { provider: 'webpush', app: 'web', token: 'https://push.example/ann', p256dh: 'BNc-ann', auth: 'auth-ann' });
      const alone = await routed([annPhone], { audience: { users: ['ann'] } });
      const shared = await routed([annPhone, 'dev_bob'], { audience: { users: ['ann', 'bob'] } });
      const topic = await routed([annBrowser, 'dev_bob'], { audience: { topics: ['news'] } });
      const lookalike = await routed(['dev_bob'], { audience: { users: ['annabel'] } });
      const withDevices = await routed(['dev_bob'], { audience: { users: ['ann'], devices: ['dev_bob'] } });
      const providerTopics = [{ provider: 'fcm' as const, app: 'shop', kind: 'topic' as const, value: 'sports' }];
      const withProviderTopic = await routed(['dev_bob'], { audience: { users: ['ann'], providerTopics } });
      await attempt(shared.seq, [result(shared.seq, 'dev_ann1', 'sent')]);
      const countsBefore = await pushes.counts(shared.seq);

      assert.equal(await pushes.eraseUser('ann', ['dev_ann1', 'dev_ann2']), 1);
      assert.equal(await pushes.bySeq(alone.seq), undefined);
      assert.deepEqual(await list(alone.seq), []);
      assert.deepEqual((await pushes.bySeq(shared.seq))?.audience, { users: ['bob'] });
      assert.deepEqual((await pushes.bySeq(withDevices.seq))?.audience, { users: [], devices: ['dev_bob'] }, 'it also reached a device: it stays');
      assert.deepEqual((await pushes.bySeq(withProviderTopic.seq))?.audience, { users: [], providerTopics }, 'it also went to a provider topic: it stays');
      assert.deepEqual((await pushes.bySeq(lookalike.seq))?.audience, { users: ['annabel'] });
      assert.deepEqual((await pushes.bySeq(topic.seq))?.audience, { topics: ['news'] });
      assert.deepEqual(pick(await one(shared.seq, 'dev_ann1'), ['state', 'token', 'deviceId', 'p256dh', 'auth']), { state: 'sent', token: '', deviceId: null, p256dh: null, auth: null });
      assert.deepEqual(pick(await one(topic.seq, 'dev_ann2'), ['state', 'token', 'deviceId', 'p256dh', 'auth']), { state: 'queued', token: '', deviceId: null, p256dh: null, auth: null });
      assert.deepEqual(await one(topic.seq, 'dev_bob'), { ...(await one(shared.seq, 'dev_bob'))!, pushSeq: topic.seq }, 'another user\'s delivery is untouched');
      assert.deepEqual(await pushes.counts(shared.seq), countsBefore, 'the rows stay, so counts hold');

      // Nothing left anywhere names them or holds their tokens.
      const everything = JSON.stringify(await Promise.all([shared, topic, lookalike, withDevices].map(async (p) => [await pushes.bySeq(p.seq), await list(p.seq)])));
      for (const needle of ['"ann"', annPhone.token, annBrowser.token, 'BNc-ann', 'auth-ann']) assert.ok(!everything.includes(needle), `still holds ${needle}`);
      assert.equal(await pushes.eraseUser('ann', ['dev_ann1', 'dev_ann2']), 0, 'erasing again finds nothing');
    });

    it('erases a user from push filters: a filter of them alone goes, one shared with other users forgets them', async () => {
      const alone = await routed(['dev_ann1'], { audience: { filter: { users: ['ann'], platforms: ['ios'] } } });
      const shared = await routed(['dev_ann1', 'dev_bob'], { id: 'shared', audience: { filter: { users: ['ann', 'bob', null], topics: ['news'] } } });
      const beside = await routed(['dev_x'], { id: 'beside', audience: { topics: ['news'], filter: { users: ['ann'] } } });
      const lookalike = await routed(['dev_y'], { id: 'lookalike', audience: { filter: { users: ['annabel'] } } });
      assert.equal(await pushes.eraseUser('ann', []), 1, 'only its user narrowed it: dropping them would widen it to every iOS device');
      assert.equal(await pushes.bySeq(alone.seq), undefined);
      assert.deepEqual((await pushes.bySeq(shared.seq))?.audience, { filter: { users: ['bob', null], topics: ['news'] } });
      assert.deepEqual((await pushes.bySeq(beside.seq))?.audience, { topics: ['news'] });
      assert.deepEqual((await pushes.bySeq(lookalike.seq))?.audience, { filter: { users: ['annabel'] } });
    });

    it('keeps pushes, deliveries, claims, counts and stats across close and reopen', async () => {
      const push = await routed(['dev_a', 'dev_b'], { category: 'orders' });
      await attempt(push.seq, [result(push.seq, 'dev_a', 'sent', { attempt: 'ok', latencyMs: 50 })]);
      await pushes.claim(push.seq, ['dev_b'], 'job-crashed', clock.now(), false);
      const before = { push: await pushes.bySeq(push.seq), list: await list(push.seq), counts: await pushes.counts(push.seq), stats: await pushes.stats({ since: T0, until: T0 }) };
      await db.first().close();
      const reopened = (await db.open()).pushes;
      assert.deepEqual(await reopened.bySeq(push.seq), before.push);
      assert.deepEqual(await reopened.deliveries({ pushSeq: push.seq, limit: 10 }), before.list);
      assert.deepEqual(await reopened.counts(push.seq), before.counts);
      assert.deepEqual(await reopened.stats({ since: T0, until: T0 }), before.stats);
      const rerun = await reopened.claim(push.seq, ['dev_b'], 'job-crashed', clock.now(), false);
      assert.deepEqual(rerun.map((c) => [c.target, c.attempts]), [['dev_b', 2]], 'the crashed job claims its delivery again');
    });
  });
}

function newPush(now: number, fields: Partial<NewPush> = {}): NewPush {
  return {
    id: 'push-1',
    createdAt: now,
    sendAt: null,
    expiresAt: null,
    content: { id: fields.id ?? 'push-1', notification: { title: 'Hi 👋', body: 'Your order shipped', data: { order: '42' } }, overrides: { apns: { headers: { 'apns-push-type': 'alert' } } }, priority: 'normal' },
    audience: { users: ['ann'] },
    lane: 'normal',
    actor: 'key:k1',
    ...fields,
  };
}

/** A delivery to a registered device whose id is the target, unless `fields` say otherwise. */
function delivery(target: string, fields: Partial<NewDelivery> = {}): NewDelivery {
  return { target, deviceId: target, provider: 'apns' as Provider, app: 'shop', token: `token-of-${target}`, p256dh: null, auth: null, ...fields };
}

function byTarget<T extends { target: string }>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
}

/** The named fields of a record (by default those that say how far routing got). */
function pick<T extends object>(record: T | undefined, keys: readonly string[] = ['phase', 'routedCursor', 'targets']): Record<string, unknown> | undefined {
  if (!record) return undefined;
  return Object.fromEntries(keys.map((k) => [k, (record as Record<string, unknown>)[k]]));
}
