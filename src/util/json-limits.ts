/** Limits on the shape of JSON request bodies, beyond their byte size. */
export const JSON_MAX_DEPTH = 32;
export const JSON_MAX_ARRAY_LENGTH = 1000;

/**
 * Describes the first way a parsed JSON value breaks the limits, or undefined when it is within
 * them. Iterative, so a hostile body cannot exhaust the stack here either.
 */
export function jsonLimitViolation(value: unknown, maxDepth = JSON_MAX_DEPTH, maxArray = JSON_MAX_ARRAY_LENGTH): string | undefined {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > maxDepth) return `nested deeper than ${maxDepth} levels`;
    if (Array.isArray(v)) {
      if (v.length > maxArray) return `an array has more than ${maxArray} items`;
      for (const item of v) stack.push([item, depth + 1]);
    } else {
      for (const item of Object.values(v)) stack.push([item, depth + 1]);
    }
  }
  return undefined;
}
