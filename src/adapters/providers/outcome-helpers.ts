import type { Outcome } from '../../ports/provider.js';

// Keeps outcomes free of `key: undefined`, so logs and deep-equality see only what was said.
export function withDefined<T extends Outcome>(outcome: T): T {
  for (const key of Object.keys(outcome) as (keyof T)[]) {
    if (outcome[key] === undefined) delete outcome[key];
  }
  return outcome;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
