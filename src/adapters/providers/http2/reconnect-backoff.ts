/**
 * The wait before reconnect attempt `failures` (1 after the first failure): exponential with full
 * jitter, uniform over [0, min(maxMs, baseMs * 2^(failures - 1))], the same policy as
 * core/retry/backoff.ts, which adapters may not import (DESIGN.md layering), so it is restated
 * here for the one place that needs it.
 */
export function reconnectDelay(failures: number, options: { baseMs: number; maxMs: number }, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(failures));
  const ceiling = Math.floor(Math.min(options.maxMs, options.baseMs * 2 ** Math.min(n - 1, 1023)));
  return Math.min(ceiling, Math.floor(random() * (ceiling + 1)));
}
