/**
 * The argument rules of the Counters port (ports/counters.ts), checked alike by every adapter so a
 * caller's mistake fails the same way in one process as against Redis: with a RangeError, before
 * anything is counted.
 */

interface Rule {
  burst: number;
  refillMs: number;
}

interface Window {
  key: string;
  windowMs: number;
  limit?: number;
}

function fail(what: string): never {
  throw new RangeError(`counters: ${what}`);
}

export function checkBucketArgs(rule: Rule, now: number, n: number): void {
  if (!Number.isFinite(now)) fail('now must be a finite number of ms');
  if (!(Number.isFinite(rule.burst) && rule.burst >= 0)) fail('burst must be a finite number ≥ 0');
  if (!Number.isFinite(rule.refillMs)) fail('refillMs must be a finite number');
  if (!(Number.isFinite(n) && n >= 0)) fail('n must be a finite number ≥ 0');
}

export function checkDailyArgs(limit: number, now: number, n: number): void {
  if (!Number.isFinite(now)) fail('now must be a finite number of ms');
  if (!Number.isSafeInteger(limit)) fail('a daily limit must be a whole number');
  if (!(Number.isSafeInteger(n) && n >= 0)) fail('n must be a whole number ≥ 0');
}

export function checkReserveArgs(id: string, windows: readonly Window[], now: number): void {
  if (!Number.isSafeInteger(now)) fail('now must be a whole number of ms');
  if (typeof id !== 'string') fail('a reservation id must be a string');
  if (windows.length === 0) fail('a reservation needs at least one window');
  for (const w of windows) {
    if (typeof w.key !== 'string') fail('a window key must be a string');
    if (!(Number.isSafeInteger(w.windowMs) && w.windowMs > 0)) fail('windowMs must be a whole number > 0');
    if (w.limit !== undefined && !Number.isSafeInteger(w.limit)) fail('a window limit must be a whole number');
  }
}

export function checkReleaseArgs(id: string, keys: readonly string[]): void {
  if (typeof id !== 'string') fail('a reservation id must be a string');
  for (const key of keys) if (typeof key !== 'string') fail('a key must be a string');
}
