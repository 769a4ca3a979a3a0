import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessRecord } from '../../src/ports/auth-store.js';
import { isAllowed, patternMatches, resolveAccess, type AccessInput } from '../../src/core/auth/acl.js';
import { permissionFlags, type Permission } from '../../src/core/auth/permissions.js';

// Entries are written as [owner, pattern, permission]; owner null is everyone (`*`).
type Row = readonly [string | null, string, Permission];
const entries = (rows: readonly Row[]): AccessRecord[] =>
  rows.map(([userId, pattern, permission]) => ({ userId, pattern, ...permissionFlags(permission) }));

const RW = { read: true, write: true };
const RO = { read: true, write: false };
const WO = { read: false, write: true };
const NONE = { read: false, write: false };

type Who = { userId: string | null; role: AccessInput['role'] };

function access(
  who: Who,
  topic: string,
  rows: readonly Row[],
  defaultAccess: Permission = 'read-write',
) {
  return resolveAccess({ ...who, topic, entries: entries(rows), defaultAccess });
}
const phil = { userId: 'u_phil', role: 'user' } as const;
const ben = { userId: 'u_ben', role: 'user' } as const;
const anon = { userId: null, role: 'anonymous' } as const;
const admin = { userId: 'u_admin', role: 'admin' } as const;

test('patternMatches: table', () => {
  const cases: Array<[pattern: string, topic: string, matches: boolean]> = [
    ['mytopic', 'mytopic', true],
    ['mytopic', 'mytopic2', false],
    ['mytopic', 'mytopi', false],
    ['mytopic', 'MyTopic', false], // topics are case-sensitive
    ['*', 'anything', true],
    ['*', 'a', true],
    ['*', '', true],
    ['**', 'x', true],
    ['up*', 'up', true], // `*` matches the empty run
    ['up*', 'upAbc', true],
    ['up*', 'u', false],
    ['up*', 'xup', false],
    ['*up', 'up', true],
    ['*up', 'backup', true],
    ['*up', 'upx', false],
    ['a*c', 'ac', true],
    ['a*c', 'abc', true],
    ['a*c', 'abbbbc', true],
    ['a*c', 'acc', true],
    ['a*c', 'abcd', false],
    ['a*c', 'bc', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'acb', false],
    ['*a*', 'banana', true],
    ['*a*', 'xyz', false],
    ['a*a', 'a', false], // one `a` cannot be both ends
    ['a*a', 'aa', true],
    // Characters that mean something to regex or SQL LIKE match only themselves.
    ['a-b', 'a-b', true],
    ['a-b', 'a_b', false],
    ['a-b', 'ab', false],
    ['a_b', 'a_b', true],
    ['a_b', 'aXb', false], // `_` is LIKE's any-character
    ['a.b', 'aXb', false],
    ['a.b', 'a.b', true],
    ['a+', 'aa', false],
    ['a%', 'abc', false],
    ['[ab]', 'a', false],
    ['(a|b)', 'a', false],
    ['^a$', 'a', false],
    ['a\\', 'a\\', true],
  ];
  for (const [pattern, topic, expected] of cases) {
    assert.equal(patternMatches(pattern, topic), expected, `${pattern} ~ ${topic}`);
  }
});

// Naive backtracking would not finish this one in any run's lifetime (about C(94, 30) steps); a
// linear matcher answers at once. So no time budget is asserted: answering at all is the test.
test('patternMatches answers patterns that make naive backtracking explode', () => {
  const pattern = `${'a*'.repeat(30)}b`;
  const topic = 'a'.repeat(64);
  assert.equal(patternMatches(pattern, topic), false);
});

// One row per rule of the spec (topics-api.md section 6, "Resolution").
const MATRIX: Array<{
  name: string;
  who: Who;
  topic: string;
  rows: Row[];
  defaultAccess?: Permission;
  expected: { read: boolean; write: boolean };
}> = [
  // Admins
  { name: 'admin overrides a deny on their own name', who: admin, topic: 't', rows: [['u_admin', 't', 'deny-all']], defaultAccess: 'deny-all', expected: RW },
  { name: 'admin overrides deny-all for everyone', who: admin, topic: 't', rows: [[null, '*', 'deny-all']], defaultAccess: 'deny-all', expected: RW },
  { name: 'admin with no entries under deny-all default', who: admin, topic: 't', rows: [], defaultAccess: 'deny-all', expected: RW },

  // Own entries before everyone's
  { name: 'own entry beats everyone entry of equal pattern', who: phil, topic: 'alerts', rows: [[null, 'alerts', 'deny-all'], ['u_phil', 'alerts', 'read-only']], expected: RO },
  { name: 'own entry beats a longer everyone pattern', who: phil, topic: 'alerts_prod', rows: [['u_phil', '*', 'read-only'], [null, 'alerts_prod', 'read-write']], expected: RO },
  { name: 'own deny beats a longer everyone grant', who: phil, topic: 'alerts_prod', rows: [['u_phil', 'a*', 'deny-all'], [null, 'alerts_prod', 'read-write']], expected: NONE },
  { name: 'own grant beats a longer everyone deny', who: phil, topic: 'alerts_prod', rows: [['u_phil', 'a*', 'write-only'], [null, 'alerts_prod', 'deny-all']], expected: WO },
  { name: 'everyone entry applies to a user without own match', who: phil, topic: 'news', rows: [['u_phil', 'alerts', 'deny-all'], [null, 'news', 'read-only']], expected: RO },
  { name: 'another user’s entry is ignored', who: phil, topic: 'news', rows: [['u_ben', 'news', 'deny-all'], ['u_ben', '*', 'deny-all']], defaultAccess: 'read-only', expected: RO },
  { name: 'another user’s entry does not outrank everyone', who: phil, topic: 'news', rows: [['u_ben', 'news', 'read-write'], [null, 'news', 'deny-all']], expected: NONE },

  // Longer pattern first, within one owner
  { name: 'longer own pattern wins', who: phil, topic: 'alerts_prod', rows: [['u_phil', 'alerts*', 'read-only'], ['u_phil', 'alerts_prod', 'deny-all']], expected: NONE },
  { name: 'longer own pattern wins regardless of order', who: phil, topic: 'alerts_prod', rows: [['u_phil', 'alerts_prod', 'deny-all'], ['u_phil', 'alerts*', 'read-only']], expected: NONE },
  { name: 'longer wildcard beats a shorter exact name', who: phil, topic: 'foo', rows: [['u_phil', 'foo', 'deny-all'], ['u_phil', 'foo*', 'read-only']], expected: RO },
  { name: 'exact name beats a shorter wildcard', who: phil, topic: 'foo', rows: [['u_phil', 'foo', 'deny-all'], ['u_phil', 'f*', 'read-write']], expected: NONE },
  { name: 'longer everyone pattern wins among everyone entries', who: anon, topic: 'public_news', rows: [[null, '*', 'deny-all'], [null, 'public_*', 'read-only']], expected: RO },
  { name: 'catch-all deny under a longer grant for a user', who: phil, topic: 'phil_x', rows: [['u_phil', '*', 'deny-all'], ['u_phil', 'phil_*', 'read-write']], expected: RW },

  // Write-granting first at equal length
  { name: 'write-only beats read-only of equal length', who: phil, topic: 'ab', rows: [['u_phil', 'a*', 'read-only'], ['u_phil', '*b', 'write-only']], expected: WO },
  { name: 'read-write beats deny of equal length', who: phil, topic: 'ab', rows: [['u_phil', '*b', 'deny-all'], ['u_phil', 'a*', 'read-write']], expected: RW },
  { name: 'write-only beats deny of equal length', who: anon, topic: 'ab', rows: [[null, 'a*', 'deny-all'], [null, '*b', 'write-only']], expected: WO },
  { name: 'equal length and write: the read grant wins (Herald’s tie-break)', who: phil, topic: 'ab', rows: [['u_phil', 'a*', 'write-only'], ['u_phil', '*b', 'read-write']], expected: RW },
  { name: 'write-granting does not beat length', who: phil, topic: 'abc', rows: [['u_phil', 'a*', 'read-write'], ['u_phil', 'ab*', 'read-only']], expected: RO },

  // `*` semantics inside resolution
  { name: '`*` matches an empty run at the end', who: phil, topic: 'up', rows: [['u_phil', 'up*', 'read-only']], defaultAccess: 'deny-all', expected: RO },
  { name: '`*` in the middle matches an empty run', who: phil, topic: 'ac', rows: [['u_phil', 'a*c', 'write-only']], defaultAccess: 'deny-all', expected: WO },
  { name: '`*` in the middle matches a run', who: phil, topic: 'abc', rows: [['u_phil', 'a*c', 'write-only']], defaultAccess: 'deny-all', expected: WO },
  { name: '`*` in the middle does not match past the end', who: phil, topic: 'abcd', rows: [['u_phil', 'a*c', 'write-only']], defaultAccess: 'deny-all', expected: NONE },
  { name: '`-` is literal', who: phil, topic: 'a-b', rows: [['u_phil', 'a-b', 'read-only']], defaultAccess: 'deny-all', expected: RO },
  { name: '`-` does not act as a range or match `_`', who: phil, topic: 'a_b', rows: [['u_phil', 'a-b', 'read-only']], defaultAccess: 'deny-all', expected: NONE },
  { name: '`_` does not act as any-character', who: phil, topic: 'aXb', rows: [['u_phil', 'a_b', 'read-write']], defaultAccess: 'deny-all', expected: NONE },
  { name: 'matching is case-sensitive', who: phil, topic: 'Secret', rows: [['u_phil', 'secret', 'deny-all']], expected: RW },

  // Default access when nothing matches
  { name: 'default read-write', who: phil, topic: 'x', rows: [['u_phil', 'y', 'deny-all']], defaultAccess: 'read-write', expected: RW },
  { name: 'default read-only', who: phil, topic: 'x', rows: [['u_phil', 'y', 'read-write']], defaultAccess: 'read-only', expected: RO },
  { name: 'default write-only', who: phil, topic: 'x', rows: [], defaultAccess: 'write-only', expected: WO },
  { name: 'default deny-all', who: phil, topic: 'x', rows: [[null, 'y', 'read-write']], defaultAccess: 'deny-all', expected: NONE },
  { name: 'default applies to anonymous too', who: anon, topic: 'x', rows: [], defaultAccess: 'read-only', expected: RO },
  { name: 'a matching entry overrides the default even if it grants more', who: anon, topic: 'x', rows: [[null, 'x', 'read-write']], defaultAccess: 'deny-all', expected: RW },

  // Deny entries
  { name: 'a deny entry wins over a default of read-write', who: phil, topic: 'x', rows: [['u_phil', 'x', 'deny-all']], defaultAccess: 'read-write', expected: NONE },
  { name: 'an everyone deny applies to users without own entries', who: phil, topic: 'x', rows: [[null, 'x', 'deny-all']], expected: NONE },
  { name: 'a longer deny beats a shorter grant', who: phil, topic: 'x_secret', rows: [['u_phil', 'x_*', 'read-write'], ['u_phil', 'x_secret', 'deny-all']], expected: NONE },

  // Anonymous callers only have everyone's entries
  { name: 'anonymous ignores user entries', who: anon, topic: 'x', rows: [['u_phil', 'x', 'read-write']], defaultAccess: 'deny-all', expected: NONE },
  { name: 'anonymous uses the everyone entry', who: anon, topic: 'x', rows: [['u_phil', 'x', 'deny-all'], [null, 'x', 'read-only']], expected: RO },
  { name: 'anonymous role ignores a stray userId', who: { userId: 'u_phil', role: 'anonymous' }, topic: 'x', rows: [['u_phil', 'x', 'read-write']], defaultAccess: 'deny-all', expected: NONE },
  { name: 'a user without an id is treated as everyone', who: { userId: null, role: 'user' }, topic: 'x', rows: [['u_phil', 'x', 'read-write'], [null, 'x', 'read-only']], expected: RO },
];

test('ACL resolution matrix', async (t) => {
  for (const row of MATRIX) {
    await t.test(row.name, () => {
      assert.deepEqual(access(row.who, row.topic, row.rows, row.defaultAccess), row.expected);
    });
  }
});

test('resolution does not depend on the order of the entries', () => {
  for (const row of MATRIX) {
    const reversed = [...row.rows].reverse();
    assert.deepEqual(access(row.who, row.topic, reversed, row.defaultAccess), row.expected, row.name);
  }
});

test('ntfy docs example: private instance with a public read-only topic', () => {
  // auth-default-access: deny-all
  // ntfy access phil mytopic rw; ntfy access everyone announcements ro;
  // ntfy access ben 'alerts*' wo; ntfy access everyone 'up*' wo
  const rows: Row[] = [
    ['u_phil', 'mytopic', 'read-write'],
    [null, 'announcements', 'read-only'],
    ['u_ben', 'alerts*', 'write-only'],
    [null, 'up*', 'write-only'],
  ];
  const check = (who: Who, topic: string, expected: { read: boolean; write: boolean }) =>
    assert.deepEqual(access(who, topic, rows, 'deny-all'), expected, `${who.userId ?? '*'} on ${topic}`);
  check(phil, 'mytopic', RW);
  check(ben, 'mytopic', NONE);
  check(anon, 'mytopic', NONE);
  check(phil, 'announcements', RO);
  check(anon, 'announcements', RO);
  check(ben, 'alerts', WO);
  check(ben, 'alerts_db', WO);
  check(phil, 'alerts_db', NONE);
  check(anon, 'up', WO);
  check(anon, 'upXYZ', WO);
  check(phil, 'upXYZ', WO);
  check(anon, 'other', NONE);
  check(admin, 'mytopic', RW);
  check(admin, 'whatever', RW);
});

test('ntfy docs example: open instance with a reserved topic', () => {
  // Default read-write; phil reserved "philstopic" and chose "read-only" for everyone,
  // which stores phil rw and * ro on the same name.
  const rows: Row[] = [
    ['u_phil', 'philstopic', 'read-write'],
    [null, 'philstopic', 'read-only'],
  ];
  assert.deepEqual(access(phil, 'philstopic', rows), RW);
  assert.deepEqual(access(ben, 'philstopic', rows), RO);
  assert.deepEqual(access(anon, 'philstopic', rows), RO);
  assert.deepEqual(access(anon, 'anything-else', rows), RW);
});

test('multi-rule setup: layered grants for one user over an everyone policy', () => {
  // Everyone may read `public_*` and nothing else; phil may write `public_phil*`, is shut
  // out of `public_secret`, and has read on everything via a catch-all.
  const rows: Row[] = [
    [null, '*', 'deny-all'],
    [null, 'public_*', 'read-only'],
    ['u_phil', '*', 'read-only'],
    ['u_phil', 'public_phil*', 'read-write'],
    ['u_phil', 'public_secret', 'deny-all'],
  ];
  const cases: Array<[who: Who, topic: string, expected: { read: boolean; write: boolean }]> = [
    [anon, 'public_news', RO],
    [anon, 'private', NONE],
    [ben, 'public_news', RO],
    [ben, 'public_secret', RO],
    [ben, 'private', NONE],
    [phil, 'private', RO],
    // phil's catch-all `*` is shorter than everyone's `public_*`, but own entries come first.
    [phil, 'public_news', RO],
    [phil, 'public_phil', RW],
    [phil, 'public_phil_home', RW],
    [phil, 'public_secret', NONE],
  ];
  for (const [who, topic, expected] of cases) {
    assert.deepEqual(access(who, topic, rows, 'read-write'), expected, `${who.userId ?? '*'} on ${topic}`);
  }
});

test('isAllowed reads the flag for each action', () => {
  const cases: Array<[flags: { read: boolean; write: boolean }, read: boolean, write: boolean]> = [
    [RW, true, true],
    [RO, true, false],
    [WO, false, true],
    [NONE, false, false],
  ];
  for (const [flags, read, write] of cases) {
    assert.equal(isAllowed(flags, 'read'), read);
    assert.equal(isAllowed(flags, 'write'), write);
  }
});

test('resolveAccess returns a fresh object, not a stored entry', () => {
  const stored = entries([['u_phil', 't', 'read-only']]);
  const result = resolveAccess({ ...phil, topic: 't', entries: stored, defaultAccess: 'deny-all' });
  assert.deepEqual(result, RO);
  assert.notEqual(result, stored[0]);
  assert.deepEqual(Object.keys(result).sort(), ['read', 'write']);
});
