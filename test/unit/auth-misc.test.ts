import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_TOKEN_EXPIRY_MS,
  TOKEN_LENGTH,
  TOKEN_MAX_PER_USER,
  TOKEN_PREFIX,
  generateToken,
  isTokenShape,
} from '../../src/core/auth/tokens.js';
import { EVERYONE, isValidTopicPattern, isValidUsername } from '../../src/core/auth/names.js';
import { parsePermission, permissionFlags, permissionOf, type Permission } from '../../src/core/auth/permissions.js';

test('token constants follow ntfy', () => {
  assert.equal(TOKEN_PREFIX, 'tk_');
  assert.equal(TOKEN_LENGTH, 32);
  assert.equal(TOKEN_MAX_PER_USER, 60);
  assert.equal(DEFAULT_TOKEN_EXPIRY_MS, 259_200_000);
});

test('generateToken returns tk_ and 29 lowercase alphanumerics', () => {
  for (let i = 0; i < 200; i++) {
    const token = generateToken();
    assert.equal(token.length, 32);
    assert.match(token, /^tk_[a-z0-9]{29}$/);
    assert.ok(isTokenShape(token));
  }
});

test('generateToken does not repeat itself', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) seen.add(generateToken());
  assert.equal(seen.size, 2000);
});

test('generateToken uses the whole alphabet roughly evenly', () => {
  const counts = new Map<string, number>();
  for (let i = 0; i < 2000; i++) {
    for (const ch of generateToken().slice(3)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  assert.equal(counts.size, 36);
  // 58000 characters over 36 symbols: about 1611 each. A broken alphabet or a stuck generator
  // lands far outside this band.
  for (const [ch, n] of counts) assert.ok(n > 1300 && n < 1950, `${ch} appeared ${n} times`);
});

test('isTokenShape: table', () => {
  const cases: Array<[string, boolean]> = [
    ['tk_abcdefghijklmnopqrstuvwxyz012', true],
    ['tk_00000000000000000000000000000', true],
    ['tk_abcdefghijklmnopqrstuvwxyz01', false], // 31 chars
    ['tk_abcdefghijklmnopqrstuvwxyz0123', false], // 33 chars
    ['tk_Abcdefghijklmnopqrstuvwxyz012', false], // uppercase
    ['tk_abcdefghijklmnopqrstuvwxyz-12', false],
    ['tk_abcdefghijklmnopqrstuvwxyz_12', false],
    ['TK_abcdefghijklmnopqrstuvwxyz012', false],
    ['xx_abcdefghijklmnopqrstuvwxyz012', false],
    ['abcdefghijklmnopqrstuvwxyz012345', false],
    ['tk_abcdefghijklmnopqrstuvwxyz012\n', false],
    ['', false],
  ];
  for (const [s, expected] of cases) assert.equal(isTokenShape(s), expected, JSON.stringify(s));
});

test('EVERYONE is * and is not a valid username', () => {
  assert.equal(EVERYONE, '*');
  assert.equal(isValidUsername(EVERYONE), false);
});

test('isValidUsername: table', () => {
  const cases: Array<[string, boolean]> = [
    ['phil', true],
    ['Phil', true],
    ['phil.heckel', true],
    ['phil+ntfy@example.com', true],
    ['a-b_c', true],
    ['123', true],
    ['x', true],
    ['a'.repeat(64), true],
    ['a'.repeat(65), false],
    ['', false],
    ['*', false],
    ['phil*', false],
    ['phil heckel', false],
    ['phil:x', false], // a colon would break Basic auth
    ['jürgen', false],
    ['phil/x', false],
    ['phil\n', false],
  ];
  for (const [s, expected] of cases) assert.equal(isValidUsername(s), expected, JSON.stringify(s));
});

test('isValidTopicPattern: table', () => {
  const cases: Array<[string, boolean]> = [
    ['mytopic', true],
    ['*', true],
    ['up*', true],
    ['a*c', true],
    ['**', true],
    ['My-Topic_1', true],
    ['a'.repeat(64), true],
    ['*'.repeat(64), true],
    ['a'.repeat(65), false],
    ['', false],
    ['a.b', false],
    ['a%', false],
    ['a?', false],
    ['a b', false],
    ['a/b', false],
    ['topic\n', false],
  ];
  for (const [s, expected] of cases) assert.equal(isValidTopicPattern(s), expected, JSON.stringify(s));
});

test('parsePermission accepts every alias, in any case and with spaces around', () => {
  const aliases: Array<[string, Permission]> = [
    ['read-write', 'read-write'],
    ['rw', 'read-write'],
    ['read-only', 'read-only'],
    ['read', 'read-only'],
    ['ro', 'read-only'],
    ['write-only', 'write-only'],
    ['write', 'write-only'],
    ['wo', 'write-only'],
    ['deny-all', 'deny-all'],
    ['deny', 'deny-all'],
    ['none', 'deny-all'],
  ];
  for (const [alias, expected] of aliases) {
    for (const spelling of [alias, alias.toUpperCase(), ` ${alias}\t`, alias[0]!.toUpperCase() + alias.slice(1)]) {
      assert.equal(parsePermission(spelling), expected, JSON.stringify(spelling));
    }
  }
});

test('parsePermission refuses anything else with 40025', () => {
  for (const bad of ['', ' ', 'readwrite', 'read_write', 'r', 'w', 'rwx', 'all', 'allow', 'deny all', 'write-read', 'read-write-x', 'true']) {
    assert.throws(() => parsePermission(bad), { name: 'HeraldError', code: 40025, http: 400 }, JSON.stringify(bad));
  }
});

test('permissionFlags and permissionOf are inverses', () => {
  const table: Array<[Permission, { read: boolean; write: boolean }]> = [
    ['read-write', { read: true, write: true }],
    ['read-only', { read: true, write: false }],
    ['write-only', { read: false, write: true }],
    ['deny-all', { read: false, write: false }],
  ];
  for (const [permission, flags] of table) {
    assert.deepEqual(permissionFlags(permission), flags, permission);
    assert.equal(permissionOf(flags), permission, permission);
    assert.equal(permissionOf(permissionFlags(permission)), permission);
  }
});

test('permissionOf ignores extra fields, so an AccessRecord can be passed as is', () => {
  const record = { userId: null, pattern: 'x', read: true, write: false };
  assert.equal(permissionOf(record), 'read-only');
});
