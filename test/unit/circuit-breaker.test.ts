import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker, type CircuitState } from '../../src/core/retry/circuit-breaker.js';

/** One step of a scenario: at time `t`, do `op`; `allowed` is what allow() must answer. */
type Step =
  | { t: number; op: 'allow'; allowed: boolean; state: CircuitState }
  | { t: number; op: 'success' | 'failure'; state: CircuitState };

const scenarios: { name: string; steps: Step[] }[] = [
  {
    name: 'stays closed below the threshold and a success resets the count',
    steps: [
      { t: 0, op: 'failure', state: 'closed' },
      { t: 1, op: 'failure', state: 'closed' },
      { t: 2, op: 'success', state: 'closed' },
      { t: 3, op: 'failure', state: 'closed' },
      { t: 4, op: 'failure', state: 'closed' },
      { t: 5, op: 'allow', allowed: true, state: 'closed' },
    ],
  },
  {
    name: 'opens on the third consecutive failure and refuses during the cooldown',
    steps: [
      { t: 0, op: 'failure', state: 'closed' },
      { t: 1, op: 'failure', state: 'closed' },
      { t: 2, op: 'failure', state: 'open' },
      { t: 2, op: 'allow', allowed: false, state: 'open' },
      { t: 1001, op: 'allow', allowed: false, state: 'open' },
    ],
  },
  {
    name: 'lets exactly one trial through after the cooldown; its success closes',
    steps: [
      { t: 0, op: 'failure', state: 'closed' },
      { t: 0, op: 'failure', state: 'closed' },
      { t: 0, op: 'failure', state: 'open' },
      { t: 1000, op: 'allow', allowed: true, state: 'half-open' },
      { t: 1001, op: 'allow', allowed: false, state: 'half-open' },
      { t: 1500, op: 'success', state: 'closed' },
      { t: 1501, op: 'allow', allowed: true, state: 'closed' },
      { t: 1502, op: 'failure', state: 'closed' },
    ],
  },
  {
    name: 'a failed trial opens it for another full cooldown',
    steps: [
      { t: 0, op: 'failure', state: 'closed' },
      { t: 0, op: 'failure', state: 'closed' },
      { t: 0, op: 'failure', state: 'open' },
      { t: 1000, op: 'allow', allowed: true, state: 'half-open' },
      { t: 1200, op: 'failure', state: 'open' },
      { t: 2199, op: 'allow', allowed: false, state: 'open' },
      { t: 2200, op: 'allow', allowed: true, state: 'half-open' },
    ],
  },
  {
    name: 'a trial that never reports back is replaced after another cooldown',
    steps: [
      { t: 0, op: 'failure', state: 'closed' },
      { t: 0, op: 'failure', state: 'closed' },
      { t: 0, op: 'failure', state: 'open' },
      { t: 1000, op: 'allow', allowed: true, state: 'half-open' },
      { t: 1999, op: 'allow', allowed: false, state: 'half-open' },
      { t: 2000, op: 'allow', allowed: true, state: 'half-open' },
    ],
  },
  {
    name: 'late outcomes of requests started before opening are ignored while open',
    steps: [
      { t: 0, op: 'failure', state: 'closed' },
      { t: 0, op: 'failure', state: 'closed' },
      { t: 0, op: 'failure', state: 'open' },
      { t: 10, op: 'success', state: 'open' },
      { t: 900, op: 'failure', state: 'open' },
      { t: 1000, op: 'allow', allowed: true, state: 'half-open' },
    ],
  },
];

describe('CircuitBreaker (3 consecutive failures, 1000 ms cooldown)', () => {
  for (const scenario of scenarios) {
    it(scenario.name, () => {
      const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1000 });
      scenario.steps.forEach((step, i) => {
        const where = `step ${i} (${step.op} at ${step.t})`;
        if (step.op === 'allow') assert.equal(breaker.allow(step.t), step.allowed, where);
        else breaker[step.op](step.t);
        assert.equal(breaker.state, step.state, where);
      });
    });
  }

  it('with a threshold of 1 opens on the first failure', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 50 });
    breaker.failure(0);
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.allow(49), false);
    assert.equal(breaker.allow(50), true);
  });

  it('rejects bad options', () => {
    assert.throws(() => new CircuitBreaker({ failureThreshold: 0, cooldownMs: 10 }), RangeError);
    assert.throws(() => new CircuitBreaker({ failureThreshold: 1.5, cooldownMs: 10 }), RangeError);
    assert.throws(() => new CircuitBreaker({ failureThreshold: 3, cooldownMs: -1 }), RangeError);
  });
});
