import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCredentials, type Credentials } from '../../src/core/auth/credentials.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const b64url = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');
const basic = (userPass: string): string => `Basic ${b64(userPass)}`;
const TOKEN = 'tk_abcdefghijklmnopqrstuvwxyz012';
const UNAUTHORIZED = { name: 'HeraldError', code: 40101, http: 401 };

test('Basic header gives username and password', () => {
  assert.deepEqual(parseCredentials(basic('phil:mypass'), undefined), { kind: 'basic', username: 'phil', password: 'mypass' });
});

test('scheme names are case-insensitive', () => {
  const expected: Credentials = { kind: 'basic', username: 'u', password: 'p' };
  for (const scheme of ['Basic', 'basic', 'BASIC', 'bAsIc']) {
    assert.deepEqual(parseCredentials(`${scheme} ${b64('u:p')}`, undefined), expected, scheme);
  }
  for (const scheme of ['Bearer', 'bearer', 'BEARER', 'beaRER']) {
    assert.deepEqual(parseCredentials(`${scheme} ${TOKEN}`, undefined), { kind: 'bearer', token: TOKEN }, scheme);
  }
});

test('only the first colon separates username from password', () => {
  assert.deepEqual(parseCredentials(basic('u:pa:ss:'), undefined), { kind: 'basic', username: 'u', password: 'pa:ss:' });
});

test('an empty password is still a password', () => {
  assert.deepEqual(parseCredentials(basic('u:'), undefined), { kind: 'basic', username: 'u', password: '' });
});

test('the username and password are decoded as UTF-8', () => {
  assert.deepEqual(parseCredentials(basic('jürgen:pässwörd🔑'), undefined), {
    kind: 'basic',
    username: 'jürgen',
    password: 'pässwörd🔑',
  });
});

test('Basic with an empty username carries a token as the password', () => {
  assert.deepEqual(parseCredentials(basic(`:${TOKEN}`), undefined), { kind: 'bearer', token: TOKEN });
});

test('Basic payload may be unpadded or use the URL-safe alphabet', () => {
  // '>' and '?' encode to '+' and '/' in the standard alphabet, the characters base64url replaces.
  const userPass = 'ü:>>>???';
  const expected = { kind: 'basic', username: 'ü', password: '>>>???' };
  const std = b64(userPass);
  assert.match(std, /[+/]/);
  assert.deepEqual(parseCredentials(`Basic ${std}`, undefined), expected);
  assert.deepEqual(parseCredentials(`Basic ${b64url(userPass)}`, undefined), expected);
  assert.deepEqual(parseCredentials(`Basic ${b64('a:bc').replace(/=+$/, '')}`, undefined), { kind: 'basic', username: 'a', password: 'bc' });
});

test('bearer token is trimmed', () => {
  assert.deepEqual(parseCredentials(`Bearer    ${TOKEN}  `, undefined), { kind: 'bearer', token: TOKEN });
});

test('bearer tokens are passed on whatever their shape; checking them is the caller’s job', () => {
  assert.deepEqual(parseCredentials('Bearer short', undefined), { kind: 'bearer', token: 'short' });
});

test('nothing to authenticate with gives undefined', () => {
  for (const [header, query] of [
    [undefined, undefined],
    ['', undefined],
    ['   ', undefined],
    [undefined, ''],
    ['', '  '],
  ] as const) {
    assert.equal(parseCredentials(header, query), undefined, `${JSON.stringify(header)} / ${JSON.stringify(query)}`);
  }
});

test('other schemes leave the request anonymous', () => {
  for (const header of [
    'WebPush abc',
    'vapid t=eyJ0eXAi, k=BA1',
    'Digest username="u"',
    'Token abc',
    'Basic', // no space, so not the Basic scheme
    'Basic   ', // the same once trimmed, as ntfy trims the header
    'Bearer',
    'Bearer\tabc',
    'Basicx abc',
    'Bearerabc',
    'tk_abcdefghijklmnopqrstuvwxyz012',
  ]) {
    assert.equal(parseCredentials(header, undefined), undefined, header);
  }
});

test('malformed Basic credentials are refused with 401', () => {
  for (const header of [
    'Basic !!!notbase64',
    'Basic dXNlcjpwYXNz!', // valid base64 followed by junk
    `Basic ${b64('nocolon')}`,
    'Basic a', // a single character cannot encode a byte
    'Basic dXNlcjpwYXNz=', // wrong amount of padding
    'Basic dXNl=cjpw', // padding in the middle
    `Basic ${Buffer.from([0x75, 0x3a, 0xff, 0xfe]).toString('base64')}`, // "u:" + bytes that are not UTF-8
  ]) {
    assert.throws(() => parseCredentials(header, undefined), UNAUTHORIZED, header);
  }
});

test('an empty token is refused with 401', () => {
  assert.throws(() => parseCredentials(basic(':'), undefined), UNAUTHORIZED);
  assert.throws(() => parseCredentials(basic(':   '), undefined), UNAUTHORIZED);
});

test('auth query holds the base64url of the whole header value', () => {
  // The example from ntfy's docs: base64url('Basic dXNlcjpwYXNz') for user:pass.
  assert.equal(b64url('Basic dXNlcjpwYXNz'), 'QmFzaWMgZFhObGNqcHdZWE56');
  assert.deepEqual(parseCredentials(undefined, 'QmFzaWMgZFhObGNqcHdZWE56'), { kind: 'basic', username: 'user', password: 'pass' });
  assert.deepEqual(parseCredentials(undefined, b64url(`Bearer ${TOKEN}`)), { kind: 'bearer', token: TOKEN });
  assert.deepEqual(parseCredentials('', b64url(`Bearer ${TOKEN}`)), { kind: 'bearer', token: TOKEN });
});

test('auth query accepts padded and standard base64 as well', () => {
  const value = `Basic ${b64('ü:>>>???x')}`;
  const expected = { kind: 'basic', username: 'ü', password: '>>>???x' };
  const unpadded = b64url(value);
  const padded = b64(value);
  assert.ok(padded.endsWith('=='), padded);
  assert.deepEqual(parseCredentials(undefined, unpadded), expected);
  assert.deepEqual(parseCredentials(undefined, padded), expected);
  assert.deepEqual(parseCredentials(undefined, b64(`Bearer ${TOKEN}`)), { kind: 'bearer', token: TOKEN });
});

test('auth query value is trimmed before and after decoding', () => {
  assert.deepEqual(parseCredentials(undefined, `  ${b64url(`  Bearer ${TOKEN}  `)}  `), { kind: 'bearer', token: TOKEN });
});

test('auth query with an unknown scheme leaves the request anonymous', () => {
  assert.equal(parseCredentials(undefined, b64url('vapid t=abc, k=def')), undefined);
  assert.equal(parseCredentials(undefined, b64url('   ')), undefined);
});

test('auth query that is not base64 is refused with 401', () => {
  for (const query of ['not base64!', 'QmFzaWMg%3D', 'a', 'QmFzaWMgZFhObGNqcHdZWE56=']) {
    assert.throws(() => parseCredentials(undefined, query), UNAUTHORIZED, query);
  }
});

test('auth query carrying malformed Basic is refused with 401', () => {
  assert.throws(() => parseCredentials(undefined, b64url('Basic %%%')), UNAUTHORIZED);
  assert.throws(() => parseCredentials(undefined, b64url(`Basic ${b64('nocolon')}`)), UNAUTHORIZED);
});

test('a non-empty header wins over the auth query', () => {
  const fromHeader = parseCredentials(basic('header:h'), b64url(basic('query:q')));
  assert.deepEqual(fromHeader, { kind: 'basic', username: 'header', password: 'h' });
  // Even a header of another scheme wins: it is what the client sent in the request itself,
  // and the query is then not decoded at all.
  assert.equal(parseCredentials('vapid t=x', 'not base64!'), undefined);
});

test('a user name or token holding U+0000 is unreadable (401), a password holding one is passed on to be checked', () => {
  assert.throws(() => parseCredentials(basic('ph\u0000il:pass'), undefined), UNAUTHORIZED);
  assert.throws(() => parseCredentials(undefined, b64url(`Basic ${b64('ph\u0000il:pass')}`)), UNAUTHORIZED);
  assert.throws(() => parseCredentials(undefined, b64url(`Bearer tk_abc\u0000def`)), UNAUTHORIZED);
  assert.throws(() => parseCredentials(basic(`:tk_abc\u0000def`), undefined), UNAUTHORIZED);
  assert.deepEqual(parseCredentials(basic('phil:pa\u0000ss'), undefined), { kind: 'basic', username: 'phil', password: 'pa\u0000ss' });
});
