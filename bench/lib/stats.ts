/** Nearest-rank percentile of an ascending-sorted array; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Joins per-process samples into one sorted array (typed-array sort is numeric). */
export function mergeSorted(parts: Float64Array[]): Float64Array {
  const all = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all.sort();
}

export function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : String(n);
}

export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A fixed-width text table: first row is the header. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

/** One line per bar. A missed bar is reported, never thrown: it is a result, not a harness failure. */
export function bar(label: string, pass: boolean, detail: string): boolean {
  console.log(`${pass ? 'PASS' : 'FAIL'}  ${label}: ${detail}`);
  return pass;
}

/** Bad options on the command line: the dispatcher prints the usage and exits with status 2. */
export class UsageError extends Error {}

/** `--name value` options after the benchmark name, with defaults; unknown names are a UsageError. */
export function parseOptions<T extends Record<string, number>>(args: string[], defaults: T): T {
  const out: Record<string, number> = { ...defaults };
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i]!.replace(/^--/, '');
    const value = Number(args[i + 1]);
    if (!(key in defaults) || !Number.isFinite(value)) {
      throw new UsageError(`bad option ${args[i]} ${args[i + 1] ?? ''}; known: ${Object.keys(defaults).map((k) => `--${k} N`).join(' ')}`);
    }
    out[key] = value;
  }
  return out as T;
}
