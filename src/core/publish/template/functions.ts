/**
 * Template functions: Go's predefined ones (minus `call`) plus the sprig helpers ntfy templates
 * commonly use. sprig's argument order is kept (the subject comes last) so that pipelines like
 * `{{.title | trimPrefix "[FIRING] "}}` behave as they do on ntfy.
 */
import { FuncError } from './errors.js';
import { htmlEscape, jsEscape, queryEscape, toJson } from './escape.js';
import { sprintf } from './format.js';
import { compareStrings, formatValue, goType, isMap, isTrue, ownValue, sprint, toInt } from './values.js';

export interface TemplateFunction {
  min: number;
  max: number;
  /** Arguments arrive with "no value" already turned into nil, as Go does for interface parameters. */
  call(args: unknown[], maxChars: number): unknown;
}

/** `and` and `or` evaluate their arguments lazily, so the evaluator runs them itself. */
export const LAZY_FUNCTIONS: ReadonlySet<string> = new Set(['and', 'or']);

function fail(message: string): never {
  throw new FuncError(message);
}

function str(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return fail('invalid value; expected string');
  return fail(`wrong type for value; expected string; got ${goType(value)}`);
}

function checkSize(length: number, maxChars: number): void {
  if (length > maxChars) fail('result too large');
}

type Basic = 'nil' | 'bool' | 'number' | 'string' | 'other';

function basicKind(value: unknown): Basic {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number' || typeof value === 'bigint') return 'number';
  return typeof value === 'string' ? 'string' : 'other';
}

// Go refuses to compare int with float64; JSON gives only float64, so numbers compare by value.
function equal(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka === 'nil' || kb === 'nil') return ka === kb;
  if (ka !== kb) return fail('incompatible types for comparison');
  if (ka === 'other') return fail(`non-comparable type ${formatValue(a)}: ${goType(a)}`);
  if (ka === 'number' && typeof a !== typeof b) return Number(a) === Number(b);
  return a === b;
}

function less(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka === 'nil' || ka === 'other' || kb === 'nil' || kb === 'other') return fail('invalid type for comparison');
  if (ka !== kb) return fail('incompatible types for comparison');
  if (ka === 'bool') return fail('invalid type for comparison');
  if (ka === 'string') return compareStrings(a as string, b as string) < 0;
  return typeof a === 'bigint' && typeof b === 'bigint' ? a < b : Number(a) < Number(b);
}

function index([item, ...keys]: unknown[]): unknown {
  let current = item;
  for (const key of keys) {
    if (current === null || current === undefined) fail('index of untyped nil');
    if (isMap(current)) {
      if (typeof key !== 'string') fail(`value has type ${goType(key)}; should be string`);
      current = ownValue(current, key);
      continue;
    }
    if (!Array.isArray(current) && typeof current !== 'string') fail(`can't index item of type ${goType(current)}`);
    const i = toInt(key);
    if (i === undefined) return fail(`cannot index slice/array with type ${goType(key)}`);
    // Go indexes strings by byte and yields the byte.
    const bytes = typeof current === 'string' ? Buffer.from(current, 'utf8') : undefined;
    const length = bytes ? bytes.length : (current as unknown[]).length;
    if (i < 0 || i >= length) fail(`index out of range: ${i}`);
    current = bytes ? BigInt(bytes[i]) : (current as unknown[])[i];
  }
  return current;
}

function slice([item, ...indexes]: unknown[]): unknown {
  if (item === null || item === undefined) fail('slice of untyped nil');
  if (typeof item !== 'string' && !Array.isArray(item)) return fail(`can't slice item of type ${goType(item)}`);
  if (typeof item === 'string' && indexes.length === 3) fail('cannot 3-index slice a string');
  const bytes = typeof item === 'string' ? Buffer.from(item, 'utf8') : undefined;
  const length = bytes ? bytes.length : (item as unknown[]).length;
  const bounds = indexes.map((key) => {
    const i = toInt(key);
    if (i === undefined) return fail(`cannot index slice/array with type ${goType(key)}`);
    if (i < 0 || i > length) fail(`index out of range: ${i}`);
    return i;
  });
  const lo = bounds[0] ?? 0;
  const hi = bounds[1] ?? length;
  if (lo > hi) fail(`invalid slice index: ${lo} > ${hi}`);
  if (bounds.length === 3 && hi > bounds[2]) fail(`invalid slice index: ${hi} > ${bounds[2]}`);
  return bytes ? bytes.subarray(lo, hi).toString('utf8') : (item as unknown[]).slice(lo, hi);
}

function length([item]: unknown[]): bigint {
  if (item === null || item === undefined) fail('len of nil pointer');
  if (typeof item === 'string') return BigInt(Buffer.byteLength(item, 'utf8'));
  if (Array.isArray(item)) return BigInt(item.length);
  if (isMap(item)) return BigInt(Object.keys(item).length);
  return fail(`len of type ${goType(item)}`);
}

/** The escapers take one string as is, anything else through Sprint with nils as `<no value>`. */
function escaperInput(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === null || a === undefined ? '<no value>' : a)));
}

/** strings.Title: upper-case every letter that follows a separator, as Go defines one. */
function title(s: string): string {
  let out = '';
  let prev = ' ';
  for (const ch of s) {
    out += isSeparator(prev) ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

function isSeparator(ch: string): boolean {
  if (ch.charCodeAt(0) <= 0x7f) return !/[0-9A-Za-z_]/.test(ch);
  return !/[\p{L}\p{Nd}]/u.test(ch) && /\s/u.test(ch);
}

/** sprig's strslice: elements as `%v` strings, nils dropped; a lone value is a one-item list. */
function strings(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined).map(formatValue);
  return value === null || value === undefined ? [] : [formatValue(value)];
}

function replaceAll(old: string, replacement: string, src: string, maxChars: number): string {
  const count = old === '' ? [...src].length + 1 : src.split(old).length - 1;
  checkSize(src.length + count * (replacement.length - old.length), maxChars);
  if (old !== '') return src.split(old).join(replacement);
  // Go inserts the replacement before every rune and at the end.
  return replacement + [...src].join(replacement) + (src === '' ? '' : replacement);
}

function join(sep: string, list: unknown, maxChars: number): string {
  const parts = strings(list);
  checkSize(parts.reduce((n, p) => n + p.length, 0) + Math.max(0, parts.length - 1) * sep.length, maxChars);
  return parts.join(sep);
}

function splitParts(sep: string, s: string): string[] {
  return sep === '' ? [...s] : s.split(sep);
}

const fn = (min: number, max: number, call: TemplateFunction['call']): TemplateFunction => ({ min, max, call });
const lazy = fn(1, Infinity, () => fail('evaluated by the evaluator'));
const jsonFn = fn(1, 1, ([v]) => toJson(v) ?? '');

export const FUNCTIONS: ReadonlyMap<string, TemplateFunction> = new Map<string, TemplateFunction>([
  ['and', lazy],
  ['or', lazy],
  ['not', fn(1, 1, ([v]) => !isTrue(v))],
  ['len', fn(1, 1, length)],
  ['index', fn(1, Infinity, index)],
  ['slice', fn(1, 4, slice)],
  ['print', fn(0, Infinity, sprint)],
  ['println', fn(0, Infinity, (args) => `${args.map(formatValue).join(' ')}\n`)],
  ['printf', fn(1, Infinity, ([format, ...rest], max) => sprintf(str(format), rest, max))],
  ['eq', fn(2, Infinity, ([a, ...rest]) => rest.some((b) => equal(a, b)))],
  ['ne', fn(2, 2, ([a, b]) => !equal(a, b))],
  ['lt', fn(2, 2, ([a, b]) => less(a, b))],
  ['le', fn(2, 2, ([a, b]) => less(a, b) || equal(a, b))],
  ['gt', fn(2, 2, ([a, b]) => less(b, a))],
  ['ge', fn(2, 2, ([a, b]) => less(b, a) || equal(a, b))],
  ['html', fn(0, Infinity, (args) => htmlEscape(escaperInput(args)))],
  ['js', fn(0, Infinity, (args) => jsEscape(escaperInput(args)))],
  ['urlquery', fn(0, Infinity, (args) => queryEscape(escaperInput(args)))],
  ['upper', fn(1, 1, ([s]) => str(s).toUpperCase())],
  ['lower', fn(1, 1, ([s]) => str(s).toLowerCase())],
  ['title', fn(1, 1, ([s]) => title(str(s)))],
  ['trim', fn(1, 1, ([s]) => str(s).trim())],
  ['trimPrefix', fn(2, 2, ([p, s]) => (str(s).startsWith(str(p)) ? str(s).slice(str(p).length) : str(s)))],
  ['trimSuffix', fn(2, 2, ([x, s]) => (str(s).endsWith(str(x)) ? str(s).slice(0, str(s).length - str(x).length) : str(s)))],
  ['replace', fn(3, 3, ([o, n, s], max) => replaceAll(str(o), str(n), str(s), max))],
  ['contains', fn(2, 2, ([sub, s]) => str(s).includes(str(sub)))],
  ['hasPrefix', fn(2, 2, ([p, s]) => str(s).startsWith(str(p)))],
  ['hasSuffix', fn(2, 2, ([x, s]) => str(s).endsWith(str(x)))],
  ['join', fn(2, 2, ([sep, list], max) => join(str(sep), list, max))],
  // sprig's split returns a map keyed _0, _1, ...; splitList returns the list.
  ['split', fn(2, 2, ([sep, s]) => Object.fromEntries(splitParts(str(sep), str(s)).map((p, i) => [`_${i}`, p])))],
  ['splitList', fn(2, 2, ([sep, s]) => splitParts(str(sep), str(s)))],
  ['default', fn(1, Infinity, ([d, ...given]) => (given.length === 0 || !isTrue(given[0]) ? d : given[0]))],
  ['toJson', jsonFn],
  ['toJSON', jsonFn],
]);
