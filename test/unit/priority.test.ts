import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePriority, parsePriorityList, parseTags } from '../../src/core/publish/priority.js';
import { HeraldError } from '../../src/errors/herald-error.js';

function assertPriorityInvalid(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof HeraldError);
    assert.equal(err.errorName, 'priorityInvalid');
    assert.equal(err.code, 40007);
    assert.equal(err.http, 400);
    return true;
  });
}

const valid: Array<[string | undefined, number | undefined]> = [
  [undefined, undefined],
  ['', undefined],
  ['  ', undefined],
  ['1', 1], ['min', 1], ['MIN', 1],
  ['2', 2], ['low', 2],
  ['3', 3], ['default', 3],
  ['4', 4], ['high', 4], [' High ', 4],
  ['5', 5], ['max', 5], ['urgent', 5], ['URGENT', 5],
];

for (const [input, expected] of valid) {
  test(`parsePriority(${JSON.stringify(input)}) = ${expected}`, () => {
    assert.equal(parsePriority(input), expected);
  });
}

for (const input of ['0', '6', '-1', '3.0', '03', 'medium', 'u=1', 'u=3, i', 'high,low']) {
  test(`parsePriority(${JSON.stringify(input)}) throws priorityInvalid`, () => {
    assertPriorityInvalid(() => parsePriority(input));
  });
}

const lists: Array<[string, number[]]> = [
  ['', []],
  ['4', [4]],
  ['4,5', [4, 5]],
  ['high, urgent', [4, 5]],
  ['min,2, default ,', [1, 2, 3]],
];

for (const [input, expected] of lists) {
  test(`parsePriorityList(${JSON.stringify(input)})`, () => {
    assert.deepEqual(parsePriorityList(input), expected);
  });
}

for (const input of ['4,x', '9', 'high;low']) {
  test(`parsePriorityList(${JSON.stringify(input)}) throws priorityInvalid`, () => {
    assertPriorityInvalid(() => parsePriorityList(input));
  });
}

const tags: Array<[string | undefined, string[]]> = [
  [undefined, []],
  ['', []],
  ['warning', ['warning']],
  ['warning,skull', ['warning', 'skull']],
  [' warning , skull ,, ', ['warning', 'skull']],
  ['a b,c', ['a b', 'c']],
];

for (const [input, expected] of tags) {
  test(`parseTags(${JSON.stringify(input)})`, () => {
    assert.deepEqual(parseTags(input), expected);
  });
}
