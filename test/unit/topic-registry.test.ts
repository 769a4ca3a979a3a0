import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TopicRegistry } from '../../src/core/topics/topic-registry.js';

const alice = { key: 'ip:10.0.0.1', exempt: false };
const bob = { key: 'ip:10.0.0.2', exempt: false };
const none = () => false;

test('a visitor may bring at most its own limit of topics into being, and creates none of a refused batch', () => {
  const r = new TopicRegistry({ global: 100, perVisitor: 3 });
  r.touch(['a', 'b'], 0, alice);
  assert.throws(() => r.touch(['c', 'd'], 0, alice), { code: 42920 });
  assert.equal(r.size, 2);
  r.touch(['c'], 0, alice);
  assert.equal(r.createdBy(alice.key), 3);
  // Naming topics that exist costs nothing, and another visitor has its own allowance.
  r.touch(['a', 'b', 'c'], 0, alice);
  r.touch(['a', 'x', 'y', 'z'], 0, bob);
  assert.equal(r.createdBy(bob.key), 3);
});

test('a repeated name counts once', () => {
  const r = new TopicRegistry({ global: 100, perVisitor: 2 });
  r.touch(['a', 'a', 'a', 'b'], 0, alice);
  assert.equal(r.size, 2);
  assert.equal(r.createdBy(alice.key), 2);
});

test('exempt visitors are not counted against a visitor limit, only against the global one', () => {
  const r = new TopicRegistry({ global: 5, perVisitor: 1 });
  const exempt = { key: 'ip:127.0.0.1', exempt: true };
  r.touch(['a', 'b', 'c', 'd', 'e'], 0, exempt);
  assert.equal(r.createdBy(exempt.key), 0);
  assert.throws(() => r.touch(['f'], 0, exempt), { code: 42904 });
});

test('a topic nothing holds is forgotten once idle, and no longer counts against its creator', () => {
  const r = new TopicRegistry({ global: 100, perVisitor: 2 });
  r.touch(['a', 'b'], 0, alice);
  assert.equal(r.prune(1000, 1000, none), 0, 'not idle long enough yet');
  assert.equal(r.prune(1001, 1000, none), 2);
  assert.equal(r.createdBy(alice.key), 0);
  r.touch(['c', 'd'], 1001, alice);
});

test('a live subscriber or an unexpired cached message keeps a topic', () => {
  const r = new TopicRegistry({ global: 100, perVisitor: 10 });
  r.touch(['subscribed', 'cached', 'idle'], 0, alice);
  r.holdUntil('cached', 50_000);
  assert.equal(r.prune(10_000, 1000, (t) => t === 'subscribed'), 1);
  assert.equal(r.size, 2);
  assert.equal(r.createdBy(alice.key), 2);
  assert.equal(r.prune(50_001, 1000, none), 2, 'the message expired and the subscriber left');
  assert.equal(r.createdBy(alice.key), 0);
});

test('a hold never shortens an earlier one', () => {
  const r = new TopicRegistry({ global: 100, perVisitor: 10 });
  r.touch(['t'], 0, alice);
  r.holdUntil('t', 9000);
  r.holdUntil('t', 5000);
  assert.equal(r.prune(8000, 1000, none), 0);
});
