/**
 * How JSON values behave as Go values. ntfy hands `json.Unmarshal`'s `any` to text/template, so
 * objects are map[string]interface{}, arrays []interface{}, numbers float64. Template integer
 * literals and `len` results are Go ints; they are bigints here so they print as integers.
 *
 * `undefined` stands for Go's "no value" (a missing map key); `null` for a nil interface (JSON null).
 */
import { execError } from './errors.js';
import { valueTooLong } from './limits.js';

export type JsonMap = Record<string, unknown>;

/**
 * Only plain data objects are maps. Anything else (class instances, functions) is opaque, so a
 * template can never reach a prototype or a method.
 */
export function isMap(value: unknown): value is JsonMap {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The Go type a value would have, for error messages and printf's `%!verb(type=value)`. */
export function goType(value: unknown): string {
  if (value === undefined || value === null) return '<nil>';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'float64';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return '[]interface {}';
  if (isMap(value)) return 'map[string]interface {}';
  return 'unsupported';
}

/** Go's template truth: the zero value of a type and empty collections are false. */
export function isTrue(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (isMap(value)) return sortedKeys(value).length > 0;
  return true;
}

/** Own properties only, so `__proto__`, `constructor` and friends resolve to JSON data or nothing. */
export function ownValue(map: JsonMap, key: string): unknown {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** `.name` on a value, with Go's distinction between no value (tolerated) and nil (an error). */
export function field(receiver: unknown, name: string): unknown {
  if (receiver === undefined) return undefined;
  if (receiver === null) execError(`nil pointer evaluating interface {}.${name}`);
  if (isMap(receiver)) return ownValue(receiver, name);
  return execError(`can't evaluate field ${name} in type ${goType(receiver)}`);
}

/**
 * Go orders strings by UTF-8 bytes, which is code point order. UTF-16 order differs only between
 * surrogates and U+E000..U+FFFF, so those two ranges are swapped before comparing.
 */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

function rank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  return unit >= 0xe000 ? unit - 0x800 : unit;
}

// Template data never changes during a render, so a map's sorted keys are computed once: truth
// tests, len and range over a large map then cost nothing more on every loop iteration.
const keysOf = new WeakMap<JsonMap, readonly string[]>();

/** Map keys in the order Go's fmt and range use. */
export function sortedKeys(map: JsonMap): readonly string[] {
  let keys = keysOf.get(map);
  if (!keys) {
    const own = Object.keys(map);
    // UTF-16 order is code point order unless a key holds a surrogate or U+E000..U+FFFF; the
    // native comparison is much faster than a JS comparator on large maps.
    keys = own.some((key) => HIGH_UNITS.test(key)) ? own.sort(compareStrings) : own.sort();
    keysOf.set(map, keys);
  }
  return keys;
}

const HIGH_UNITS = /[\ud800-\uffff]/;

/** Go's shortest `%v` / `%g` for float64: exponent form below 1e-4 and from 1e6 up. */
export function formatFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa, exp] = x.toExponential().split('e');
  const e = Number(exp);
  if (e < -4 || e >= 6) return `${mantissa}e${goExponent(e)}`;
  return String(x);
}

const elementCounts = new WeakMap<object, number>();

/** How many values a list or map holds, nested ones included (1 for a scalar); computed once per collection. */
export function elementCount(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 1;
  let count = elementCounts.get(value);
  if (count === undefined) {
    count = 1;
    if (Array.isArray(value)) for (const item of value) count += elementCount(item);
    else if (isMap(value)) for (const key of sortedKeys(value)) count += elementCount(value[key]);
    elementCounts.set(value, count);
  }
  return count;
}

/** Go writes exponents with a sign and at least two digits: e+06, e-05, e+100. */
export function goExponent(e: number): string {
  return (e < 0 ? '-' : '+') + String(Math.abs(e)).padStart(2, '0');
}

/** A string that refuses to grow past `max` characters; `what` names the producer in the error. */
export class BoundedText implements Sink {
  text = '';

  constructor(private readonly max: number, private readonly what: string) {}

  add(part: string): void {
    if (this.text.length + part.length > this.max) valueTooLong(this.what, this.max);
    this.text += part;
  }
}

/** fmt's `%v` of a value; nested nils print as `<nil>`, maps with sorted keys. */
export function formatValue(value: unknown, max: number, what = 'formatting a value'): string {
  if (typeof value === 'string') {
    if (value.length > max) valueTooLong(what, max);
    return value;
  }
  const out = new BoundedText(max, what);
  formatInto(value, out);
  return out.text;
}

interface Sink {
  add(part: string): void;
}

function formatInto(value: unknown, out: Sink): void {
  if (Array.isArray(value)) {
    out.add('[');
    value.forEach((item, i) => {
      if (i > 0) out.add(' ');
      formatInto(item, out);
    });
    out.add(']');
  } else if (isMap(value)) {
    out.add('map[');
    sortedKeys(value).forEach((key, i) => {
      out.add(i > 0 ? ` ${key}:` : `${key}:`);
      formatInto(value[key], out);
    });
    out.add(']');
  } else {
    out.add(formatScalar(value));
  }
}

function formatScalar(value: unknown): string {
  if (value === undefined || value === null) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatFloat(value);
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return `<${goType(value)}>`;
}

/** A value for an error message: its `%v` cut short, so a message never carries a huge value. */
export function describeValue(value: unknown): string {
  const PREVIEW = 100;
  let text = '';
  formatInto(value, { add: (part) => { if (text.length <= PREVIEW) text += part.slice(0, PREVIEW + 1 - text.length); } });
  return text.length > PREVIEW ? `${text.slice(0, PREVIEW)}…` : text;
}

/** What an action like `{{.x}}` writes: a missing value shows as `<no value>`, as in Go. */
export function formatAction(value: unknown, max: number): string {
  return value === undefined ? '<no value>' : formatValue(value, max, 'an action');
}

/** fmt.Sprint: a space goes between operands only when neither side is a string. */
export function sprint(args: unknown[], max: number, what = 'print'): string {
  const out = new BoundedText(max, what);
  args.forEach((arg, i) => {
    if (i > 0 && typeof arg !== 'string' && typeof args[i - 1] !== 'string') out.add(' ');
    formatInto(arg, out);
  });
  return out.text;
}

/** An integer argument: Go ints, or (leniently) integral float64s from JSON. */
export function toInt(value: unknown): number | undefined {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  return undefined;
}
