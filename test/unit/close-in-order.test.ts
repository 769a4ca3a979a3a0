import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeInOrder } from '../../src/composition/close-in-order.js';

test('every step runs in turn, also after failures; the error names the failed steps, the first failure its cause', async () => {
  const ran: string[] = [];
  const first = new Error('database gone');
  const failing = closeInOrder('shutdown', [
    ['flush', () => {
      ran.push('flush');
      throw first;
    }],
    ['stores', async () => {
      ran.push('stores');
    }],
    ['bus', async () => {
      ran.push('bus');
      throw new Error('redis gone');
    }],
    ['last', () => ran.push('last')],
  ]);
  await assert.rejects(failing, (err: Error) => {
    assert.equal(err.message, 'shutdown: flush, bus failed');
    assert.equal(err.cause, first);
    return true;
  });
  assert.deepEqual(ran, ['flush', 'stores', 'bus', 'last']);
});

test('waits for each step before the next and resolves when all succeed', async () => {
  const ran: string[] = [];
  await closeInOrder('closing', [
    ['slow', () => new Promise<void>((resolve) => setImmediate(() => {
      ran.push('slow');
      resolve();
    }))],
    ['next', () => ran.push('next')],
    ['nothing to close', () => undefined],
  ]);
  assert.deepEqual(ran, ['slow', 'next']);
});
