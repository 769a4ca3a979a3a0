import { beforeEach, describe, it } from 'node:test';
import { useTestDatabase, type TestDatabase } from './test-database.js';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AuthStoreError, type AccessRecord, type AccountPrefs, type AuthStore, type TierRecord, type TokenRecord, type UserRecord } from '../../src/ports/auth-store.js';

/** One empty database per test. `open` may be called more than once: each call is another connection, as the CLI would make. */
export type AuthStoreTestDatabase = TestDatabase<AuthStore>;

/** The behaviour every AuthStore adapter must show; call it once per adapter from that adapter's test file. */
export function describeAuthStoreConformance(name: string, makeStore: () => Promise<AuthStoreTestDatabase>): void {
  describe(`AuthStore conformance: ${name}`, () => {
    const db = useTestDatabase(makeStore);
    let store: AuthStore;
    const open = db.open;
    beforeEach(() => {
      store = db.first();
    });

    it('adds users and finds them by name and by id', async () => {
      const alice = user('alice', 'admin');
      const bob = user('bob');
      await store.addUser(bob);
      await store.addUser(alice);
      assert.deepEqual(await store.userByName('alice'), alice);
      assert.deepEqual(await store.userById(bob.id), bob);
      assert.equal(await store.userByName('carol'), undefined);
      assert.equal(await store.userById('u_missing'), undefined);
      assert.deepEqual(sortByName(await store.users()), [alice, bob]);
    });

    it('rejects a taken name as duplicate and keeps the first user', async () => {
      const first = user('dora');
      await store.addUser(first);
      await assert.rejects(store.addUser(user('dora', 'admin')), (err) => err instanceof AuthStoreError && err.kind === 'duplicate');
      assert.deepEqual(await store.users(), [first]);
    });

    it('changes password hash and role', async () => {
      const u = user('erin');
      await store.addUser(u);
      await store.changePassword(u.id, '$2a$10$changed');
      await store.changeRole(u.id, 'admin');
      assert.deepEqual(await store.userById(u.id), { ...u, passwordHash: '$2a$10$changed', role: 'admin' });
    });

    it('adds, lists, updates and removes tokens', async () => {
      const u = user('fred');
      const other = user('gina');
      await store.addUser(u);
      await store.addUser(other);
      const a = token(u.id, { label: 'laptop', expires: 2_000_000_000 });
      const b = token(u.id);
      await store.addToken(a, 60);
      await store.addToken(b, 60);
      await store.addToken(token(other.id), 60);
      assert.deepEqual(await store.tokenRecord(a.token), a);
      assert.equal(await store.tokenRecord(token(u.id).token), undefined);
      assert.deepEqual(sortByToken(await store.tokens(u.id)), sortByToken([a, b]));

      await store.updateToken(a.token, { label: 'phone', lastAccess: 1_700_000_000, lastOrigin: '192.0.2.1' });
      await store.updateToken(a.token, { expires: 0 });
      await store.updateToken(a.token, {});
      assert.deepEqual(await store.tokenRecord(a.token), { ...a, label: 'phone', lastAccess: 1_700_000_000, lastOrigin: '192.0.2.1', expires: 0 });

      await store.removeToken(other.id, a.token);
      assert.ok(await store.tokenRecord(a.token), "another user's id does not remove the token");
      await store.removeToken(u.id, a.token);
      assert.equal(await store.tokenRecord(a.token), undefined);
      assert.deepEqual(await store.tokens(u.id), [b]);
    });

    it('keeps only the newest tokens beyond the per-user maximum', async () => {
      const u = user('hank');
      const other = user('ines');
      await store.addUser(u);
      await store.addUser(other);
      const otherToken = token(other.id);
      await store.addToken(otherToken, 60);
      const added: TokenRecord[] = [];
      for (let i = 0; i < 65; i++) {
        const t = token(u.id, { label: `t${i}` });
        added.push(t);
        await store.addToken(t, 60);
      }
      const kept = await store.tokens(u.id);
      assert.equal(kept.length, 60);
      assert.deepEqual(sortByToken(kept), sortByToken(added.slice(5)));
      for (const t of added.slice(0, 5)) assert.equal(await store.tokenRecord(t.token), undefined);
      assert.deepEqual(await store.tokens(other.id), [otherToken]);
    });

    it('removes only tokens whose non-zero expiry has passed', async () => {
      const u = user('jack');
      await store.addUser(u);
      const never = token(u.id, { expires: 0 });
      const past = token(u.id, { expires: 999 });
      const alsoPast = token(u.id, { expires: 500 });
      const now = token(u.id, { expires: 1000 });
      const future = token(u.id, { expires: 5000 });
      for (const t of [never, past, alsoPast, now, future]) await store.addToken(t, 60);
      assert.equal(await store.removeExpiredTokens(1000), 2);
      assert.deepEqual(sortByToken(await store.tokens(u.id)), sortByToken([never, now, future]));
      assert.equal(await store.removeExpiredTokens(1000), 0);
    });

    it('rejects a token for an unknown user as not_found', async () => {
      await assert.rejects(store.addToken(token('u_nobody'), 60), (err) => err instanceof AuthStoreError && err.kind === 'not_found');
    });

    it('upserts access entries per user and for everyone', async () => {
      const u = user('kate');
      await store.addUser(u);
      await store.allowAccess(entry(u.id, 'alerts', true, false));
      await store.allowAccess(entry(u.id, 'alerts', true, true));
      await store.allowAccess(entry(u.id, 'logs_*', false, true));
      await store.allowAccess(entry(null, 'alerts', false, false));
      await store.allowAccess(entry(null, 'alerts', true, false));
      await store.allowAccess(entry(null, 'public*', true, true));

      assert.deepEqual(sortByPattern(await store.access(u.id)), [entry(u.id, 'alerts', true, true), entry(u.id, 'logs_*', false, true)]);
      assert.deepEqual(sortByPattern(await store.access(null)), [entry(null, 'alerts', true, false), entry(null, 'public*', true, true)]);
      assert.equal((await store.allAccess()).length, 4);
      assert.deepEqual(await store.access(user('nobody').id), []);
    });

    it('resets one entry, all of a user, or all of everyone', async () => {
      const u = user('liam');
      await store.addUser(u);
      for (const pattern of ['a', 'b', 'c']) {
        await store.allowAccess(entry(u.id, pattern, true, true));
        await store.allowAccess(entry(null, pattern, true, false));
      }
      await store.resetAccess(u.id, 'b');
      assert.deepEqual(sortByPattern(await store.access(u.id)).map((e) => e.pattern), ['a', 'c']);
      await store.resetAccess(null, 'a');
      assert.deepEqual(sortByPattern(await store.access(null)).map((e) => e.pattern), ['b', 'c']);
      await store.resetAccess(u.id);
      assert.deepEqual(await store.access(u.id), []);
      assert.equal((await store.access(null)).length, 2, "a user's reset leaves everyone's entries");
      await store.resetAccess(null);
      assert.deepEqual(await store.allAccess(), []);
    });

    it('removes a user with their tokens and access entries only', async () => {
      const u = user('mona');
      const other = user('nick');
      await store.addUser(u);
      await store.addUser(other);
      const t = token(u.id);
      const otherToken = token(other.id);
      await store.addToken(t, 60);
      await store.addToken(otherToken, 60);
      await store.allowAccess(entry(u.id, 'mine', true, true));
      await store.allowAccess(entry(other.id, 'theirs', true, true));
      await store.allowAccess(entry(null, 'all', true, false));

      await store.removeUser(u.id);
      assert.equal(await store.userById(u.id), undefined);
      assert.equal(await store.userByName(u.name), undefined);
      assert.equal(await store.tokenRecord(t.token), undefined);
      assert.deepEqual(await store.tokens(u.id), []);
      assert.deepEqual(await store.access(u.id), []);
      assert.deepEqual(await store.tokens(other.id), [otherToken]);
      assert.deepEqual(sortByPattern(await store.allAccess()), [entry(null, 'all', true, false), entry(other.id, 'theirs', true, true)]);
      await store.removeUser(u.id);
    });

    it('keeps verified phone numbers per user, in the order they were added', async () => {
      const u = user('olga');
      const other = user('otto');
      await store.addUser(u);
      await store.addUser(other);
      assert.deepEqual(await store.phoneNumbers(u.id), []);
      await store.addPhoneNumber(u.id, '+14155550102');
      await store.addPhoneNumber(u.id, '+14155550101');
      await store.addPhoneNumber(u.id, '+4915112345678');
      // Two users may verify the same number (a shared on-call phone).
      await store.addPhoneNumber(other.id, '+14155550101');
      assert.deepEqual(await store.phoneNumbers(u.id), ['+14155550102', '+14155550101', '+4915112345678']);
      await assert.rejects(store.addPhoneNumber(u.id, '+14155550101'), (err) => err instanceof AuthStoreError && err.kind === 'duplicate');
      await assert.rejects(store.addPhoneNumber('u_missing', '+14155550101'), (err) => err instanceof AuthStoreError && err.kind === 'not_found');

      await store.removePhoneNumber(u.id, '+14155550102');
      await store.removePhoneNumber(u.id, '+19999999999');
      await store.removePhoneNumber(other.id, '+4915112345678');
      assert.deepEqual(await store.phoneNumbers(u.id), ['+14155550101', '+4915112345678']);
      await store.addPhoneNumber(u.id, '+14155550102');
      assert.deepEqual(await store.phoneNumbers(u.id), ['+14155550101', '+4915112345678', '+14155550102'], 'a re-added number comes last');

      await store.removeUser(u.id);
      assert.deepEqual(await store.phoneNumbers(u.id), [], "a removed user's numbers go with them");
      assert.deepEqual(await store.phoneNumbers(other.id), ['+14155550101']);
    });

    it('adds, lists, updates and removes tiers; codes are unique', async () => {
      const pro = tier('pro');
      const basic = tier('basic', { messagesLimit: 10, reservationsLimit: 0 });
      await store.addTier(pro);
      await store.addTier(basic);
      assert.deepEqual(await store.tiers(), [basic, pro], 'by code');
      await assert.rejects(store.addTier(tier('pro')), (err) => err instanceof AuthStoreError && err.kind === 'duplicate');
      const changed = { ...pro, name: 'Professional', messagesLimit: 20_000, attachmentBandwidthLimit: 5_000_000_000 };
      await store.updateTier(changed);
      assert.deepEqual(await store.tiers(), [basic, changed]);
      await assert.rejects(store.updateTier({ ...changed, code: 'basic' }), (err) => err instanceof AuthStoreError && err.kind === 'duplicate');
      await store.removeTier(basic.id);
      await store.removeTier(basic.id);
      assert.deepEqual(await store.tiers(), [changed]);
    });

    it("gives users a tier, refuses an unknown one, and keeps a tier while users have it", async () => {
      const pro = tier('pro');
      await store.addTier(pro);
      const u = user('tess');
      const withTier = { ...user('tom'), tierId: pro.id };
      await store.addUser(u);
      await store.addUser(withTier);
      assert.deepEqual(await store.userByName('tom'), withTier);
      assert.equal((await store.userById(u.id))?.tierId, undefined);
      await store.changeTier(u.id, pro.id);
      assert.equal((await store.userByName('tess'))?.tierId, pro.id);
      await assert.rejects(store.changeTier(u.id, 'ti_missing'), (err) => err instanceof AuthStoreError && err.kind === 'not_found');
      await assert.rejects(store.removeTier(pro.id), (err) => err instanceof AuthStoreError && err.kind === 'in_use');
      await store.changeTier(u.id, null);
      await store.removeUser(withTier.id);
      assert.deepEqual(await store.userByName('tess'), u);
      await store.removeTier(pro.id);
      assert.deepEqual(await store.tiers(), []);
    });

    it('reserves a topic: the owner gets read-write, everyone what was chosen; both listed and removable', async () => {
      const u = user('rita');
      await store.addUser(u);
      assert.equal(await store.reserve(u.id, 'news', { read: true, write: false }, 2), 'reserved');
      assert.equal(await store.reserve(u.id, 'private_1', { read: false, write: false }, 2), 'reserved');
      assert.deepEqual(sortByPattern(await store.access(u.id)), [entry(u.id, 'news', true, true), entry(u.id, 'private_1', true, true)]);
      assert.deepEqual(sortByPattern(await store.access(null)), [entry(null, 'news', true, false), entry(null, 'private_1', false, false)]);
      assert.deepEqual(await store.reservations(u.id), [
        { topic: 'news', everyone: { read: true, write: false } },
        { topic: 'private_1', everyone: { read: false, write: false } },
      ]);
      // Changing everyone's access of a topic already held does not count against the limit.
      assert.equal(await store.reserve(u.id, 'news', { read: true, write: true }, 2), 'reserved');
      assert.deepEqual((await store.reservations(u.id))[0], { topic: 'news', everyone: { read: true, write: true } });
      assert.equal(await store.reserve(u.id, 'third', { read: true, write: true }, 2), 'limit');
      assert.equal(await store.reserve(u.id, 'third', { read: true, write: true }, undefined), 'reserved', 'no limit');
      assert.equal(await store.unreserve(u.id, 'news'), true);
      assert.equal(await store.unreserve(u.id, 'news'), false);
      assert.deepEqual((await store.reservations(u.id)).map((r) => r.topic), ['private_1', 'third']);
      assert.deepEqual(sortByPattern(await store.access(null)).map((e) => e.pattern), ['private_1', 'third']);
    });

    it("refuses a reservation that any entry the user does not own matches, wildcards and admins' entries included", async () => {
      const a = user('ann');
      const b = user('ben');
      await store.addUser(a);
      await store.addUser(b);
      assert.equal(await store.reserve(a.id, 'taken', { read: true, write: false }, 5), 'reserved');
      assert.equal(await store.reserve(b.id, 'taken', { read: true, write: true }, 5), 'conflict');
      await store.allowAccess(entry(null, 'public_*', true, false));
      assert.equal(await store.reserve(b.id, 'public_x', { read: true, write: true }, 5), 'conflict', "the pattern's _ is no wildcard, its * is");
      assert.equal(await store.reserve(b.id, 'publicx', { read: true, write: true }, 5), 'reserved');
      await store.allowAccess(entry(b.id, 'mine', true, true));
      assert.equal(await store.reserve(b.id, 'mine', { read: true, write: true }, 5), 'conflict', "even the user's own entry, if an admin made it");
      assert.deepEqual((await store.reservations(b.id)).map((r) => r.topic), ['publicx']);
      assert.deepEqual(await store.access(null).then((all) => all.filter((e) => e.pattern === 'taken')), [entry(null, 'taken', true, false)], 'the refused one changed nothing');
    });

    it("an admin's entry over a reserved topic ends the reservation; a removed user's reservations go", async () => {
      const a = user('cleo');
      const b = user('dave');
      await store.addUser(a);
      await store.addUser(b);
      await store.reserve(a.id, 'one', { read: true, write: false }, 5);
      await store.reserve(a.id, 'two', { read: false, write: true }, 5);
      await store.reserve(b.id, 'three', { read: true, write: true }, 5);
      await store.allowAccess(entry(a.id, 'one', true, false));
      assert.deepEqual((await store.reservations(a.id)).map((r) => r.topic), ['two']);
      await store.removeUser(a.id);
      const left = await store.allAccess();
      assert.equal(left.length, 2);
      assert.deepEqual(new Set(left.map((e) => `${e.userId}:${e.pattern}`)), new Set(['null:three', `${b.id}:three`]));
      assert.deepEqual(await store.reservations(b.id), [{ topic: 'three', everyone: { read: true, write: true } }]);
    });

    it('users reserving the same topic at once: one gets it, the others a conflict', async () => {
      // One store: PostgreSQL runs these on several pooled connections at once. (Two SQLite
      // connections in one process would block its event loop in busy_timeout; the CLI is another process.)
      const users = Array.from({ length: 6 }, (_, i) => user(`race${i}`));
      for (const u of users) await store.addUser(u);
      const outcomes = await Promise.all(users.map((u) => store.reserve(u.id, 'contested', { read: true, write: false }, 3)));
      assert.equal(outcomes.filter((o) => o === 'reserved').length, 1);
      assert.equal(outcomes.filter((o) => o === 'conflict').length, users.length - 1);
      assert.equal((await store.allAccess()).filter((e) => e.pattern === 'contested').length, 2);
    });

    it('moves the change counter on tier and reservation writes', async () => {
      const u = user('vera');
      await store.addUser(u);
      let seen = await store.changeCounter();
      const moves = async (what: string, write: () => Promise<unknown>) => {
        await write();
        const now = await store.changeCounter();
        assert.notEqual(now, seen, what);
        seen = now;
      };
      const t = tier('gold');
      await moves('addTier', () => store.addTier(t));
      await moves('updateTier', () => store.updateTier({ ...t, name: 'Gold' }));
      await moves('changeTier', () => store.changeTier(u.id, t.id));
      await moves('reserve', () => store.reserve(u.id, 'held', { read: true, write: false }, 3));
      await moves('unreserve', () => store.unreserve(u.id, 'held'));
    });

    it('moves the change counter on a local write and stays put without one', async () => {
      const before = await store.changeCounter();
      assert.equal(await store.changeCounter(), before);
      await store.addUser(user('olga'));
      const after = await store.changeCounter();
      assert.notEqual(after, before);
      assert.equal(await store.changeCounter(), after);
    });

    it('moves the change counter when another connection writes', async () => {
      const cli = await open();
      const before = await store.changeCounter();
      const u = user('pete');
      await cli.addUser(u);
      const afterUser = await store.changeCounter();
      assert.notEqual(afterUser, before);
      assert.deepEqual(await store.userByName('pete'), u, 'the other connection sees the commit');
      await cli.allowAccess(entry(null, 'news', true, false));
      assert.notEqual(await store.changeCounter(), afterUser);
    });

    it('stores a sync topic and finds its user by it', async () => {
      const u = { ...user('rhea'), syncTopic: 'st_abcDEF1234567' };
      const plain = user('sam');
      await store.addUser(u);
      await store.addUser(plain);
      assert.deepEqual(await store.userById(u.id), u);
      assert.deepEqual(await store.userBySyncTopic('st_abcDEF1234567'), u);
      assert.equal(await store.userBySyncTopic('st_nobody000000'), undefined);
      assert.equal(await store.userBySyncTopic(''), undefined, 'a user without one is not found by the empty topic');
      assert.equal((await store.userById(plain.id))?.syncTopic, undefined);
      await assert.rejects(store.addUser({ ...user('tess'), syncTopic: 'st_abcDEF1234567' }), (err) => err instanceof AuthStoreError && err.kind === 'duplicate');
    });

    it('keeps web-app settings per user and changes them one transaction at a time', async () => {
      const u = user('uma');
      const other = user('vera');
      await store.addUser(u);
      await store.addUser(other);
      assert.deepEqual(await store.prefs(u.id), {});
      assert.deepEqual(await store.prefs('u_missing'), {});
      const prefs: AccountPrefs = { language: 'de', notification: { sound: 'ding', minPriority: 3, deleteAfter: 0 }, subscriptions: [{ baseUrl: 'https://ntfy.sh', topic: 'alerts', displayName: null }] };
      assert.deepEqual(await store.changePrefs(u.id, () => prefs), prefs);
      assert.deepEqual(await store.prefs(u.id), prefs);
      assert.deepEqual(await store.prefs(other.id), {});

      // A change that throws writes nothing.
      await assert.rejects(store.changePrefs(u.id, () => { throw new Error('no'); }), /no/);
      assert.deepEqual(await store.prefs(u.id), prefs);
      await assert.rejects(store.changePrefs('u_missing', (p) => p), (err) => err instanceof AuthStoreError && err.kind === 'not_found');

      // Concurrent changes all land (on PostgreSQL they run on several pooled connections).
      const add = (topic: string) => store.changePrefs(u.id, (p) => ({ ...p, subscriptions: [...(p.subscriptions ?? []), { baseUrl: 'https://h', topic, displayName: topic }] }));
      await Promise.all(Array.from({ length: 10 }, (_, i) => add(`t${i}`)));
      assert.equal((await store.prefs(u.id)).subscriptions?.length, 11);
      await store.removeUser(u.id);
      assert.deepEqual(await store.prefs(u.id), {});
    });

    it('provisions users, access entries and tokens, and removes what the config no longer lists', async () => {
      const manual = user('walt');
      const takenOver = user('xena');
      await store.addUser(manual);
      await store.addUser(takenOver);
      const manualToken = token(manual.id);
      await store.addToken(manualToken, 60);
      await store.allowAccess(entry(manual.id, 'own', true, true));
      await store.allowAccess(entry(null, 'open', true, true));

      const t1 = 'tk_aaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
      const t2 = 'tk_bbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
      await store.provision({
        users: [
          { name: 'yuri', passwordHash: '$2a$10$yuri', role: 'user', newId: 'u_yuri', newSyncTopic: 'st_yuri000000000' },
          { name: 'xena', passwordHash: '$2a$10$xena-new', role: 'admin', newId: 'u_unused', newSyncTopic: 'st_unused0000000' },
        ],
        access: [
          { user: 'yuri', pattern: 'alerts*', read: true, write: false },
          { user: null, pattern: 'open', read: true, write: false },
        ],
        tokens: [{ user: 'yuri', token: t1, label: 'phone' }, { user: 'yuri', token: t2, label: '' }],
      });
      assert.deepEqual(await store.userByName('yuri'), { id: 'u_yuri', name: 'yuri', passwordHash: '$2a$10$yuri', role: 'user', created: (await store.userByName('yuri'))!.created, syncTopic: 'st_yuri000000000', provisioned: true });
      assert.deepEqual(await store.userByName('xena'), { ...takenOver, passwordHash: '$2a$10$xena-new', role: 'admin', provisioned: true }, 'an existing user keeps its id and becomes provisioned');
      assert.deepEqual(await store.userByName('walt'), manual, 'users not in the config are left alone');
      assert.deepEqual(sortByPattern(await store.access(null)), [{ ...entry(null, 'open', true, false), provisioned: true }], 'a listed entry replaces a manual one');
      assert.deepEqual(await store.access('u_yuri'), [{ ...entry('u_yuri', 'alerts*', true, false), provisioned: true }]);
      assert.deepEqual(sortByPattern(await store.access(manual.id)), [entry(manual.id, 'own', true, true)]);
      assert.deepEqual(await store.tokenRecord(t1), { token: t1, userId: 'u_yuri', label: 'phone', lastAccess: 0, lastOrigin: '', expires: 0, provisioned: true });
      assert.deepEqual(await store.tokenRecord(manualToken.token), manualToken);

      // The same config again changes nothing; then a smaller one removes what it dropped.
      await store.updateToken(t1, { lastAccess: 1_700_000_500, lastOrigin: '192.0.2.7' });
      await store.provision({
        users: [{ name: 'yuri', passwordHash: '$2a$10$yuri2', role: 'user', newId: 'u_other', newSyncTopic: 'st_other00000000' }],
        access: [{ user: 'yuri', pattern: 'alerts*', read: true, write: true }],
        tokens: [{ user: 'yuri', token: t1, label: 'phone 2' }],
      });
      const yuri = await store.userByName('yuri');
      assert.equal(yuri?.id, 'u_yuri');
      assert.equal(yuri?.passwordHash, '$2a$10$yuri2');
      assert.equal(yuri?.syncTopic, 'st_yuri000000000');
      assert.equal(await store.userByName('xena'), undefined, 'a provisioned user the config dropped is removed');
      assert.deepEqual(await store.access(null), [], 'provisioned entries the config dropped are removed');
      assert.deepEqual(await store.access('u_yuri'), [{ ...entry('u_yuri', 'alerts*', true, true), provisioned: true }]);
      assert.deepEqual(await store.tokenRecord(t1), { token: t1, userId: 'u_yuri', label: 'phone 2', lastAccess: 1_700_000_500, lastOrigin: '192.0.2.7', expires: 0, provisioned: true });
      assert.equal(await store.tokenRecord(t2), undefined);
      assert.deepEqual(await store.userByName('walt'), manual);
      assert.deepEqual(await store.tokenRecord(manualToken.token), manualToken);

      await store.provision({ users: [], access: [], tokens: [] });
      assert.deepEqual((await store.users()).map((u) => u.name), ['walt']);
    });

    it('keeps its data across close and reopen, and close is idempotent', async () => {
      const u = user('quinn', 'admin');
      const t = token(u.id, { label: 'ci', expires: 0 });
      await store.addUser(u);
      await store.addToken(t, 60);
      await store.allowAccess(entry(u.id, 'builds', false, true));
      await store.allowAccess(entry(null, 'status', true, false));
      await store.addPhoneNumber(u.id, '+14155550123');
      await store.close();
      await store.close();

      const reopened = await open();
      assert.deepEqual(await reopened.userByName('quinn'), u);
      assert.deepEqual(await reopened.tokenRecord(t.token), t);
      assert.deepEqual(sortByPattern(await reopened.allAccess()), [entry(u.id, 'builds', false, true), entry(null, 'status', true, false)]);
      assert.deepEqual(await reopened.phoneNumbers(u.id), ['+14155550123']);
    });
  });
}

function user(name: string, role: UserRecord['role'] = 'user'): UserRecord {
  return { id: `u_${randomBytes(6).toString('hex')}`, name, passwordHash: `$2a$10$hash-of-${name}`, role, created: 1_700_000_000 };
}

function tier(code: string, fields: Partial<TierRecord> = {}): TierRecord {
  return {
    id: `ti_${randomBytes(4).toString('hex')}`, code, name: code.toUpperCase(),
    messagesLimit: 5000, messagesExpiryDuration: 43_200, emailsLimit: 20, callsLimit: 0, reservationsLimit: 3,
    attachmentFileSizeLimit: 15_000_000, attachmentTotalSizeLimit: 100_000_000, attachmentExpiryDuration: 21_600, attachmentBandwidthLimit: 1_000_000_000,
    ...fields,
  };
}

function token(userId: string, fields: Partial<TokenRecord> = {}): TokenRecord {
  const token = `tk_${randomBytes(20).toString('hex').slice(0, 29)}`;
  return { token, userId, label: '', lastAccess: 0, lastOrigin: '', expires: 0, ...fields };
}

function entry(userId: string | null, pattern: string, read: boolean, write: boolean): AccessRecord {
  return { userId, pattern, read, write };
}

// The port promises no order for lists, so comparisons sort first.
const sortByName = (users: UserRecord[]) => [...users].sort((a, b) => a.name.localeCompare(b.name));
const sortByToken = (tokens: TokenRecord[]) => [...tokens].sort((a, b) => a.token.localeCompare(b.token));
const sortByPattern = (entries: AccessRecord[]) => [...entries].sort((a, b) => a.pattern.localeCompare(b.pattern));
