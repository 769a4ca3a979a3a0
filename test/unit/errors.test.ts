import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, HeraldError } from '../../src/errors/index.js';

const DOC = readFileSync(fileURLToPath(new URL('../../../docs/errors.md', import.meta.url)), 'utf8');
/** Rows of the docs table: | code | http | name | message | */
const documented = new Map(
  [...DOC.matchAll(/^\| (\d{5}) \| (\d{3}) \| `(\w+)` \|/gm)].map((m) => [Number(m[1]), { http: Number(m[2]), name: m[3]! }]),
);

test('error codes are unique', () => {
  const codes = Object.values(ERROR_CODES).map((e) => e.code);
  assert.equal(new Set(codes).size, codes.length);
});

test('every code starts with its HTTP status', () => {
  for (const [name, e] of Object.entries(ERROR_CODES)) assert.equal(Math.floor(e.code / 100), e.http, name);
});

test('every registry entry is in docs/errors.md with the same status and name', () => {
  for (const [name, e] of Object.entries(ERROR_CODES)) {
    const row = documented.get(e.code);
    assert.ok(row, `${e.code} (${name}) missing from docs/errors.md`);
    assert.equal(row.http, e.http, `${e.code} status`);
    assert.equal(row.name, name, `${e.code} name`);
  }
});

test('nothing is documented that the registry lacks', () => {
  const codes = new Set<number>(Object.values(ERROR_CODES).map((e) => e.code));
  for (const code of documented.keys()) assert.ok(codes.has(code), `${code} is documented but not in the registry`);
});

test('the codes of the ntfy spec keep their ntfy numbers', () => {
  const expected: Record<string, number> = {
    priorityInvalid: 40007, sinceInvalid: 40008, topicInvalid: 40009, topicDisallowed: 40010, notWebSocket: 40016,
    actionsInvalid: 40018, jsonInvalid: 40024, unauthorized: 40101, forbidden: 40301, notFound: 40401,
    attachmentTooLarge: 41301, matrixMessageTooLarge: 41302, jsonBodyTooLarge: 41303, tooManyRequests: 42901,
    tooManySubscriptions: 42903, tooManyTopics: 42904, tooManyMessages: 42908, internal: 50001, baseUrlMissing: 50003,
  };
  for (const [name, code] of Object.entries(expected)) assert.equal(ERROR_CODES[name as keyof typeof ERROR_CODES].code, code, name);
});

test('HeraldError serialises to the wire shape, link only when set', () => {
  assert.deepEqual(new HeraldError('priorityInvalid').toJSON(), {
    code: 40007, http: 400, error: 'invalid priority parameter', link: 'https://ntfy.sh/docs/publish/#message-priority',
  });
  assert.deepEqual(new HeraldError('notFound').toJSON(), { code: 40401, http: 404, error: 'page not found' });
  assert.equal(new HeraldError('badRequest', { detail: 'why' }).message, 'invalid request: why');
});
