import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { audienceWithout } from '../../src/adapters/sql/push/erase-audience.js';
import type { PushAudience } from '../../src/ports/push-store.js';

describe('audienceWithout (erasing a user from stored push audiences)', () => {
  const cases: Array<[string, PushAudience, PushAudience | 'alone' | 'same']> = [
    ['not named: unchanged', { users: ['bob'], filter: { users: ['carl'] } }, 'same'],
    ['one of the listed users', { users: ['ann', 'bob'] }, { users: ['bob'] }],
    ['the only user, nothing else', { users: ['ann'] }, 'alone'],
    ['the only user beside a topic', { users: ['ann'], topics: ['news'] }, { users: [], topics: ['news'] }],
    ['one of a filter\'s users', { filter: { users: ['ann', null], platforms: ['ios'] } }, { filter: { users: [null], platforms: ['ios'] } }],
    // Dropping only the user would leave a filter of every iOS device: the push was for them alone.
    ['a filter\'s only user', { filter: { users: ['ann'], platforms: ['ios'] } }, 'alone'],
    ['a filter\'s only user beside listed devices', { devices: ['dev_AAAAAAAAAAAAAAAA'], filter: { users: ['ann'] } }, { devices: ['dev_AAAAAAAAAAAAAAAA'] }],
    ['both places', { users: ['ann', 'bob'], filter: { users: ['ann'], topics: ['news'] } }, { users: ['bob'] }],
  ];
  for (const [name, audience, expected] of cases) {
    it(name, () => {
      const left = audienceWithout(audience, 'ann');
      if (expected === 'same') assert.equal(left, audience);
      else assert.deepEqual(left, expected);
    });
  }
});
