/**
 * Waiting in tests: poll a condition until it holds, with a generous deadline. Tests never
 * sleep a fixed time and never assert on how long something took; on a busy machine a
 * condition simply takes longer to become true.
 */

/** Generous by default: CI runs on a loaded 2-core machine. */
export const DEFAULT_DEADLINE_MS = 30_000;

/** Resolves once `check` returns true; throws naming `what` if the deadline passes first. */
export async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = DEFAULT_DEADLINE_MS, pollMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Resolves with the first value `probe` returns that is not undefined; throws naming `what` after the deadline. */
export async function eventuallyValue<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = DEFAULT_DEADLINE_MS, pollMs = 10): Promise<T> {
  let value: T | undefined;
  await eventually(what, async () => (value = await probe()) !== undefined, timeoutMs, pollMs);
  return value as T;
}

/** Lets pending I/O callbacks and timers of 0 ms run; not a sleep: it waits for no particular time. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
