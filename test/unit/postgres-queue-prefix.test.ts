import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prefixSuccessor } from '../../src/adapters/postgres/queue/inspect.js';

describe('dedup-key prefix successor (cancel by prefix)', () => {
  it('is the smallest string above every string with the prefix, in code point order', () => {
    assert.equal(prefixSuccessor('sched:a:'), 'sched:a;');
    assert.equal(prefixSuccessor('a\u{10FFFF}'), 'b');
    assert.equal(prefixSuccessor('\u{10FFFF}\u{10FFFF}'), undefined);
    assert.equal(prefixSuccessor('x\uD7FF'), 'x\uE000', 'surrogates are skipped');
    assert.equal(prefixSuccessor('é'), 'ê');
  });
});
