/**
 * Where the first string holding U+0000 sits in a parsed JSON value or form (object keys count
 * too), as a JSON pointer: '' for the value itself, `/meta/label`, `/topics/2`. Undefined when no
 * string holds one. Iterative, so a deeply nested body cannot exhaust the stack.
 */
export function nulPointer(value: unknown): string | undefined {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [v, pointer] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return pointer;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${pointer}/${i}`]);
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, item] = entries[i]!;
        const at = `${pointer}/${escapePointer(key)}`;
        if (key.includes('\u0000')) return at;
        stack.push([item, at]);
      }
    }
  }
  return undefined;
}

/** RFC 6901: `~` and `/` in a key are written `~0` and `~1`; U+0000 is shown as `\u0000`. */
function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1').replace(/\u0000/g, '\\u0000');
}
