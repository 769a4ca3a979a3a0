/** Freezes `value` and everything reachable from it, so no component can change shared config. */
export function deepFreeze<T>(value: T): T {
  // Config holds only plain objects, arrays and primitives, so there are no cycles to guard.
  if (typeof value === 'object' && value !== null) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
