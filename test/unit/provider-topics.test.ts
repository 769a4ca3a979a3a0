import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { providerTopicProblem } from '../../src/core/push/provider-topics.js';

describe('FCM and HMS topic names and conditions, as checked when a push is accepted', () => {
  const cases: [provider: 'fcm' | 'hms', kind: 'topic' | 'condition', value: string, ok: boolean][] = [
    ['fcm', 'topic', 'news', true],
    ['fcm', 'topic', 'a-b_c.d~e%20', true],
    ['fcm', 'topic', '/topics/news', false],
    ['fcm', 'topic', 'has space', false],
    ['fcm', 'topic', '', false],
    ['fcm', 'topic', 'x'.repeat(901), false],
    ['fcm', 'topic', '新闻', false],
    ['hms', 'topic', '新闻', true],
    ['fcm', 'condition', "'dogs' in topics || 'cats' in topics", true],
    ['fcm', 'condition', "'a' in topics && ('b' in topics || 'c' in topics)", true],
    ['fcm', 'condition', "!('a' in topics) && 'b' in topics", true],
    ['fcm', 'condition', "'a' in topics && 'b' in topics && 'c' in topics && 'd' in topics && 'e' in topics", true],
    ['fcm', 'condition', "'a' in topics && 'b' in topics && 'c' in topics && 'd' in topics && 'e' in topics && 'f' in topics", false],
    ['fcm', 'condition', "'a' in topics &&", false],
    ['fcm', 'condition', "('a' in topics", false],
    ['fcm', 'condition', "'a' in topics)", false],
    ['fcm', 'condition', "'a b' in topics", false],
    ['fcm', 'condition', "'a' in topic", false],
    ['fcm', 'condition', 'dogs', false],
    ['fcm', 'condition', "'a' in topics ; drop", false],
    ['fcm', 'condition', "'a' in topics 'b' in topics", false],
    ['fcm', 'condition', "'a in topics", false],
    ['fcm', 'condition', "'/topics/a' in topics", false],
    ['hms', 'condition', "'新闻' in topics || 'b' in topics", true],
    ['fcm', 'condition', "'新闻' in topics", false],
  ];
  for (const [provider, kind, value, ok] of cases) {
    test(`${provider} ${kind} ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)} is ${ok ? 'accepted' : 'refused'}`, () => {
      const problem = providerTopicProblem(provider, kind, value);
      if (ok) assert.equal(problem, undefined);
      else assert.equal(typeof problem, 'string');
    });
  }
});
