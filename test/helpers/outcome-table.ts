import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Outcome, OutcomeKind } from '../../src/ports/provider.js';

/** What every provider's outcome rows have in common (apns, fcm, hms, webpush, smtp, sms, webhook). */
export interface TableRow {
  outcome: OutcomeKind;
  target?: 'device' | 'credential';
  note: string;
}

/** A provider answer, the row it must match (by name), and the outcome it must give. */
export interface TableExample<A> {
  row: string;
  answer: A;
  expect: Outcome;
}

export interface OutcomeTable<R extends TableRow, A> {
  /** As it appears in test names, e.g. `APNs`. */
  provider: string;
  /** What the rows are, in the table test's name; default `table`. */
  table?: string;
  rows: readonly R[];
  /** A row's name, written the way the examples name it. */
  rowName(rule: R): string;
  examples: readonly TableExample<A>[];
  /** The row an answer matches: the lookup under test. */
  ruleFor(answer: A): R | undefined;
  /** The outcome of an answer, through the provider's public mapping. */
  outcome(answer: A): Outcome;
  /** Shortest note a row may carry; default 21 characters. */
  minNote?: number;
  /** Further checks every row must pass (e.g. "exactly one key"). */
  checkRow?(rule: R, name: string): void;
}

/**
 * The tests every provider's outcome table gets (DESIGN.md: "a test for every row"): one test per
 * row, which needs at least one example matching that row and giving the expected outcome; and one
 * test that the rows are unique and explained, that only throttled rows name a target, and that
 * every example names a real row. Provider-specific checks stay in the provider's own test file.
 */
export function testOutcomeTable<R extends TableRow, A>(t: OutcomeTable<R, A>): void {
  for (const rule of t.rows) {
    const name = t.rowName(rule);
    test(`${t.provider} row ${name} → ${rule.outcome}${rule.target ? `(${rule.target})` : ''}`, () => {
      const mine = t.examples.filter((e) => e.row === name);
      assert.ok(mine.length > 0, `no example exercises row ${name}`);
      for (const e of mine) {
        assert.equal(t.ruleFor(e.answer), rule, `${JSON.stringify(e.answer)} should match row ${name}`);
        const outcome = t.outcome(e.answer);
        assert.deepEqual(outcome, e.expect);
        assert.equal(outcome.kind, rule.outcome);
        if (outcome.kind === 'throttled') assert.equal(outcome.target, rule.target);
      }
    });
  }

  test(`${t.provider} ${t.table ?? 'table'}: rows are unique, explained, and every example names a real row`, () => {
    const names = t.rows.map((r) => t.rowName(r));
    assert.equal(new Set(names).size, names.length, `duplicate rows: ${names.join(', ')}`);
    for (const rule of t.rows) {
      const name = t.rowName(rule);
      assert.ok(rule.note.length >= (t.minNote ?? 21), `row ${name} needs a note`);
      assert.equal(rule.outcome === 'throttled', rule.target !== undefined, `target only on throttled rows (${name})`);
      t.checkRow?.(rule, name);
    }
    for (const e of t.examples) assert.ok(names.includes(e.row), `example names unknown row ${e.row}`);
  });
}
