/**
 * True when `pattern` covers the whole of `topic`. `*` matches any run of characters, the empty
 * one included; every other character matches only itself, so no character of a pattern can
 * act as regex or SQL LIKE syntax. Case-sensitive, like topic names.
 */
export function patternMatches(pattern: string, topic: string): boolean {
  // Classic wildcard matching: on a mismatch, go back to the last `*` and let it swallow one
  // more character. Linear in practice and never exponential, unlike naive recursion.
  let p = 0;
  let t = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (t < topic.length) {
    if (p < pattern.length && pattern[p] === '*') {
      starAt = p++;
      resumeAt = t;
    } else if (p < pattern.length && pattern[p] === topic[t]) {
      p++;
      t++;
    } else if (starAt >= 0) {
      p = starAt + 1;
      t = ++resumeAt;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
