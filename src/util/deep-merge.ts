/** A plain JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Merges `override` over `base` the way the push API merges a raw provider object over the portable
 * mapping: objects merge key by key, recursively; anything else (arrays, strings, numbers) in the
 * override replaces what was there; an override value of `null` removes the key. Neither input is
 * changed. Keys named `__proto__` are skipped, so untrusted input cannot reach Object.prototype.
 */
export function deepMerge(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (key === '__proto__') continue;
    if (value === null) {
      delete out[key];
      continue;
    }
    const current = out[key];
    out[key] = isPlainObject(value) && isPlainObject(current) ? deepMerge(current, value) : value;
  }
  return out;
}
