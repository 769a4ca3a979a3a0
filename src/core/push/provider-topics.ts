/**
 * What FCM and HMS accept as a topic name or a topic condition, checked when a push is accepted so
 * a typo is a 400 to the caller rather than a failed delivery minutes later.
 *
 * - FCM topic names are `[a-zA-Z0-9-_.~%]+`, given without the `/topics/` prefix the legacy API used.
 * - HMS topic names are the same characters plus CJK ideographs (its subscribe API), at most 900.
 * - A condition is `'name' in topics` terms joined by `&&` and `||`, with `!` and parentheses, over
 *   at most five topics (both providers' documented limit).
 */

import { HeraldError } from '../../errors/index.js';
import type { ProviderTopic } from '../../ports/push-store.js';

export type ProviderTopicKind = 'topic' | 'condition';

const FCM_TOPIC = /^[A-Za-z0-9\-_.~%]+$/;
const HMS_TOPIC = /^[\u4e00-\u9fa5A-Za-z0-9\-_.~%]+$/;
/** HMS's documented limit; FCM documents none, so Herald applies the same one. */
const MAX_TOPIC_LENGTH = 900;
const MAX_CONDITION_TOPICS = 5;
const MAX_CONDITION_LENGTH = 2048;

/** Why `value` is not a valid topic or condition for the provider, or undefined when it is. */
export function providerTopicProblem(provider: 'fcm' | 'hms', kind: ProviderTopicKind, value: string): string | undefined {
  return kind === 'topic' ? topicProblem(provider, value) : conditionProblem(provider, value);
}

function topicProblem(provider: 'fcm' | 'hms', name: string): string | undefined {
  if (name.startsWith('/topics/')) return 'give the topic name without the /topics/ prefix';
  if (name.length === 0 || name.length > MAX_TOPIC_LENGTH) return `a topic name is 1 to ${MAX_TOPIC_LENGTH} characters`;
  const pattern = provider === 'fcm' ? FCM_TOPIC : HMS_TOPIC;
  if (!pattern.test(name)) return `a ${provider.toUpperCase()} topic name has only letters, digits and - _ . ~ %`;
  return undefined;
}

/**
 * A recursive-descent reading of the condition grammar:
 *   expr := unary (('&&' | '||') unary)*
 *   unary := '!' unary | '(' expr ')' | quoted-topic 'in' 'topics'
 * Precedence is the provider's business; only the shape and the topics are checked here.
 */
function conditionProblem(provider: 'fcm' | 'hms', text: string): string | undefined {
  if (text.length === 0 || text.length > MAX_CONDITION_LENGTH) return `a condition is 1 to ${MAX_CONDITION_LENGTH} characters`;
  const tokens = lex(text);
  if (typeof tokens === 'string') return tokens;
  let at = 0;
  const topics: string[] = [];
  const peek = (): Token | undefined => tokens[at];

  const unary = (depth: number): string | undefined => {
    if (depth > 20) return 'a condition nests too deep';
    const t = peek();
    if (!t) return 'a condition ends where a term is expected';
    if (t.kind === 'op' && t.text === '!') {
      at++;
      return unary(depth + 1);
    }
    if (t.kind === 'op' && t.text === '(') {
      at++;
      const inner = expr(depth + 1);
      if (inner) return inner;
      const close = peek();
      if (!close || close.kind !== 'op' || close.text !== ')') return 'a ( in the condition is not closed';
      at++;
      return undefined;
    }
    if (t.kind !== 'topic') return `expected 'topic' in topics, found ${t.text}`;
    const problem = topicProblem(provider, t.text);
    if (problem) return `topic '${t.text}': ${problem}`;
    at++;
    const inWord = tokens[at];
    const topicsWord = tokens[at + 1];
    if (inWord?.text !== 'in' || inWord.kind !== 'word' || topicsWord?.text !== 'topics' || topicsWord.kind !== 'word') {
      return `write each topic as '${t.text}' in topics`;
    }
    at += 2;
    topics.push(t.text);
    return undefined;
  };

  const expr = (depth: number): string | undefined => {
    const first = unary(depth);
    if (first) return first;
    for (;;) {
      const t = peek();
      if (!t || t.kind !== 'op' || (t.text !== '&&' && t.text !== '||')) return undefined;
      at++;
      const next = unary(depth);
      if (next) return next;
    }
  };

  const problem = expr(0);
  if (problem) return problem;
  if (at < tokens.length) return `unexpected ${tokens[at]!.text} in the condition`;
  if (topics.length > MAX_CONDITION_TOPICS) {
    return `a condition names at most ${MAX_CONDITION_TOPICS} topics`;
  }
  return undefined;
}

interface Token {
  kind: 'topic' | 'word' | 'op';
  text: string;
}

function lex(text: string): Token[] | string {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) return 'a quoted topic name in the condition is not closed';
      tokens.push({ kind: 'topic', text: text.slice(i + 1, end) });
      i = end + 1;
    } else if (text.startsWith('&&', i) || text.startsWith('||', i)) {
      tokens.push({ kind: 'op', text: text.slice(i, i + 2) });
      i += 2;
    } else if (c === '!' || c === '(' || c === ')') {
      tokens.push({ kind: 'op', text: c });
      i++;
    } else if (/[a-z]/i.test(c)) {
      const m = /^[a-z]+/i.exec(text.slice(i))!;
      tokens.push({ kind: 'word', text: m[0] });
      i += m[0].length;
    } else {
      return `unexpected character ${JSON.stringify(c)} in the condition`;
    }
  }
  return tokens;
}

/**
 * The request's provider topics as audience entries: app defaulted, each checked, 400 naming the
 * entry (`to.provider_topics[i]`) when the topic or condition is malformed or its app is unknown.
 */
export function providerTopics(
  list: readonly { provider: 'fcm' | 'hms'; app?: string; kind: ProviderTopicKind; value: string }[],
  hasApp: (provider: 'fcm' | 'hms', app: string) => boolean,
): ProviderTopic[] {
  return list.map((t, i) => {
    const app = t.app ?? 'default';
    if (!hasApp(t.provider, app)) throw new HeraldError('appUnknown', { detail: `${t.provider} app '${app}'` });
    const problem = providerTopicProblem(t.provider, t.kind, t.value);
    if (problem) throw new HeraldError('pushInvalid', { detail: `to.provider_topics[${i}].${t.kind}: ${problem}` });
    return { provider: t.provider, app, kind: t.kind, value: t.value };
  });
}
