import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACTION_ID_LENGTH, MESSAGE_ID_LENGTH, randomId } from '../../src/util/ids.js';

test('id length constants match the ntfy wire format', () => {
  assert.equal(MESSAGE_ID_LENGTH, 12);
  assert.equal(ACTION_ID_LENGTH, 10);
});

test('randomId returns the requested length from [A-Za-z0-9]', () => {
  for (const length of [0, 1, 10, 12, 64, 1000]) {
    const id = randomId(length);
    assert.equal(id.length, length);
    assert.match(id, /^[A-Za-z0-9]*$/);
  }
});

test('randomId does not repeat itself', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) seen.add(randomId(MESSAGE_ID_LENGTH));
  assert.equal(seen.size, 1000);
});

test('randomId uses the whole alphabet roughly evenly', () => {
  const counts = new Map<string, number>();
  const sample = randomId(62 * 2000);
  for (const ch of sample) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  assert.equal(counts.size, 62);
  // Expected 2000 per character; a modulo bias would push the first 8 characters up by ~3%,
  // which this loose bound would not catch, but a broken alphabet or a stuck generator would.
  for (const [ch, n] of counts) assert.ok(n > 1600 && n < 2400, `${ch} appeared ${n} times`);
});

test('randomId rejects invalid lengths', () => {
  for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => randomId(bad), RangeError);
  }
});
