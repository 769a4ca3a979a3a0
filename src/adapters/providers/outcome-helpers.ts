import type { Outcome, OutcomeRule } from '../../ports/provider.js';

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

/**
 * The outcome a table row stands for, carrying the provider's status, reason and Retry-After.
 * `ok` and `invalid_token` get their provider-specific extras (message id, token death time).
 */
export function outcomeFromRule(
  rule: OutcomeRule,
  answer: { status: number; reason: string | undefined; afterMs: number | undefined; providerId?: string | undefined; since?: number | undefined },
): Outcome {
  const { status, reason, afterMs } = answer;
  switch (rule.outcome) {
    case 'ok':
      return answer.providerId ? { kind: 'ok', providerId: answer.providerId } : { kind: 'ok' };
    case 'invalid_token':
      return withDefined({ kind: 'invalid_token', status, reason, since: Number.isFinite(answer.since) ? answer.since : undefined });
    case 'throttled':
      return withDefined({ kind: 'throttled', target: rule.target ?? 'credential', status, reason, afterMs });
    case 'retry':
      return withDefined({ kind: 'retry', status, reason, afterMs });
    case 'rejected':
      return withDefined({ kind: 'rejected', status, reason });
  }
}
