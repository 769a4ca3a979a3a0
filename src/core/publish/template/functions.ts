/**
 * Template functions: Go's predefined ones (minus `call`) plus the sprig helpers ntfy templates
 * commonly use. sprig's argument order is kept (the subject comes last) so that pipelines like
 * `{{.title | trimPrefix "[FIRING] "}}` behave as they do on ntfy.
 */
import { FuncError } from './errors.js';
import { htmlEscape, jsEscape, queryEscape, toJson } from './escape.js';
import { sprintf } from './format.js';
import { MAP_ENTRY_COST, valueTooLong, type WorkMeter } from './limits.js';
import { BoundedText, compareStrings, describeValue, formatValue, goType, isMap, isTrue, ownValue, sortedKeys, sprint, toInt, type JsonMap } from './values.js';

export interface TemplateFunction {
  min: number;
  max: number;
  /** Formats whole lists and maps it is given, so the evaluator charges their elements. */
  walks?: boolean;
  /**
   * Arguments arrive with "no value" already turned into nil, as Go does for interface parameters.
   * The evaluator charges the strings read and the string returned; a function that builds a list
   * or map charges its elements itself, and one whose result could outgrow its arguments by more
   * than a small factor (print, printf, join, replace) checks the value limit as it builds.
   */
  call(args: unknown[], meter: WorkMeter): unknown;
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
  if (ka === 'other') return fail(`non-comparable type ${describeValue(a)}: ${goType(a)}`);
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
  if (isMap(item)) return BigInt(sortedKeys(item).length);
  return fail(`len of type ${goType(item)}`);
}

/** The escapers take one string as is, anything else through Sprint with nils as `<no value>`. */
function escaperInput(args: unknown[], maxChars: number, name: string): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === null || a === undefined ? '<no value>' : a)), maxChars, name);
}

// A character starts a word after a separator as strings.Title defines one: an ASCII character
// other than a letter, digit or underscore, or a non-ASCII space. Only ASCII letters and non-ASCII
// characters can change case, so only those are matched.
const TITLE_WORD_START = /(?<=^|[\0-/:-@[-^`{-\x7f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff])[a-z\u0080-\u{10ffff}]/gu;

const ASCII_UPPER: Record<string, string> = Object.fromEntries(
  Array.from({ length: 26 }, (_, i) => [String.fromCharCode(97 + i), String.fromCharCode(65 + i)]),
);

/** strings.Title: upper-case every letter that follows a separator. */
function title(s: string): string {
  return s.replace(TITLE_WORD_START, (ch) => ASCII_UPPER[ch] ?? ch.toUpperCase());
}

/** sprig's trunc: the first `n` characters, or with a negative `n` the last `-n`. */
function trunc(n: unknown, s: string): string {
  const count = toInt(n);
  if (count === undefined) return fail(`wrong type for value; expected int; got ${goType(n)}`);
  const chars = [...s];
  if (count < 0) return chars.length + count > 0 ? chars.slice(chars.length + count).join('') : s;
  return chars.length > count ? chars.slice(0, count).join('') : s;
}

/** sprig's strslice: elements as `%v` strings, nils dropped; a lone value is a one-item list. */
function strings(value: unknown, maxChars: number): string[] {
  if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined).map((v) => formatValue(v, maxChars, 'join'));
  return value === null || value === undefined ? [] : [formatValue(value, maxChars, 'join')];
}

function replaceAll(old: string, replacement: string, src: string, maxChars: number): string {
  const count = old === '' ? [...src].length + 1 : src.split(old).length - 1;
  if (src.length + count * (replacement.length - old.length) > maxChars) valueTooLong('replace', maxChars);
  if (old !== '') return src.split(old).join(replacement);
  // Go inserts the replacement before every rune and at the end.
  return replacement + [...src].join(replacement) + (src === '' ? '' : replacement);
}

function join(sep: string, list: unknown, meter: WorkMeter): string {
  const maxChars = meter.limits.maxValueChars;
  // Joining empty strings writes nothing, yet still walks the list.
  if (Array.isArray(list)) meter.charge(list.length);
  // The common case, a list of strings (splitList's), is measured first and joined natively.
  if (Array.isArray(list) && list.every((item) => typeof item === 'string')) {
    const size = (list as string[]).reduce((n, item) => n + item.length, 0) + Math.max(0, list.length - 1) * sep.length;
    if (size > maxChars) valueTooLong('join', maxChars);
    return list.join(sep);
  }
  const out = new BoundedText(maxChars, 'join');
  strings(list, maxChars).forEach((part, i) => {
    if (i > 0) out.add(sep);
    out.add(part);
  });
  return out.text;
}

function splitParts(sep: string, s: string, meter: WorkMeter): string[] {
  const parts = sep === '' ? [...s] : s.split(sep);
  meter.charge(parts.length);
  return parts;
}

/** sprig's split: a map keyed _0, _1, ... */
function splitMap(sep: string, s: string, meter: WorkMeter): JsonMap {
  const parts = splitParts(sep, s, meter);
  meter.charge(parts.length * MAP_ENTRY_COST);
  const out: JsonMap = Object.create(null) as JsonMap;
  parts.forEach((part, i) => {
    out[`_${i}`] = part;
  });
  return out;
}

function sliceCharged(args: unknown[], meter: WorkMeter): unknown {
  const result = slice(args);
  if (Array.isArray(result)) meter.charge(result.length);
  return result;
}

const fn = (min: number, max: number, call: TemplateFunction['call']): TemplateFunction => ({ min, max, call });
const walker = (min: number, max: number, call: TemplateFunction['call']): TemplateFunction => ({ min, max, call, walks: true });
const lazy = fn(1, Infinity, () => fail('evaluated by the evaluator'));
const jsonFn = walker(1, 1, ([v], m) => toJson(v, m.limits.maxValueChars) ?? '');
const chars = (meter: WorkMeter): number => meter.limits.maxValueChars;

export const FUNCTIONS: ReadonlyMap<string, TemplateFunction> = new Map<string, TemplateFunction>([
  ['and', lazy],
  ['or', lazy],
  ['not', fn(1, 1, ([v]) => !isTrue(v))],
  ['len', fn(1, 1, length)],
  ['index', fn(1, Infinity, index)],
  ['slice', fn(1, 4, sliceCharged)],
  ['print', walker(0, Infinity, (args, m) => sprint(args, chars(m)))],
  ['println', walker(0, Infinity, (args, m) => {
    const out = new BoundedText(chars(m), 'println');
    args.forEach((arg, i) => out.add(`${i > 0 ? ' ' : ''}${formatValue(arg, chars(m), 'println')}`));
    out.add('\n');
    return out.text;
  })],
  ['printf', walker(1, Infinity, ([format, ...rest], m) => sprintf(str(format), rest, m))],
  ['eq', fn(2, Infinity, ([a, ...rest]) => rest.some((b) => equal(a, b)))],
  ['ne', fn(2, 2, ([a, b]) => !equal(a, b))],
  ['lt', fn(2, 2, ([a, b]) => less(a, b))],
  ['le', fn(2, 2, ([a, b]) => less(a, b) || equal(a, b))],
  ['gt', fn(2, 2, ([a, b]) => less(b, a))],
  ['ge', fn(2, 2, ([a, b]) => less(b, a) || equal(a, b))],
  ['html', walker(0, Infinity, (args, m) => htmlEscape(escaperInput(args, chars(m), 'html')))],
  ['js', walker(0, Infinity, (args, m) => jsEscape(escaperInput(args, chars(m), 'js')))],
  ['urlquery', walker(0, Infinity, (args, m) => queryEscape(escaperInput(args, chars(m), 'urlquery')))],
  ['upper', fn(1, 1, ([s]) => str(s).toUpperCase())],
  ['lower', fn(1, 1, ([s]) => str(s).toLowerCase())],
  ['title', fn(1, 1, ([s]) => title(str(s)))],
  ['trim', fn(1, 1, ([s]) => str(s).trim())],
  ['trimPrefix', fn(2, 2, ([p, s]) => (str(s).startsWith(str(p)) ? str(s).slice(str(p).length) : str(s)))],
  ['trimSuffix', fn(2, 2, ([x, s]) => (str(s).endsWith(str(x)) ? str(s).slice(0, str(s).length - str(x).length) : str(s)))],
  ['replace', fn(3, 3, ([o, n, s], m) => replaceAll(str(o), str(n), str(s), chars(m)))],
  ['contains', fn(2, 2, ([sub, s]) => str(s).includes(str(sub)))],
  ['hasPrefix', fn(2, 2, ([p, s]) => str(s).startsWith(str(p)))],
  ['hasSuffix', fn(2, 2, ([x, s]) => str(s).endsWith(str(x)))],
  ['join', walker(2, 2, ([sep, list], m) => join(str(sep), list, m))],
  // sprig's split returns a map keyed _0, _1, ...; splitList returns the list.
  ['split', fn(2, 2, ([sep, s], m) => splitMap(str(sep), str(s), m))],
  ['splitList', fn(2, 2, ([sep, s], m) => splitParts(str(sep), str(s), m))],
  ['trunc', fn(2, 2, ([n, s]) => trunc(n, str(s)))],
  ['default', fn(1, Infinity, ([d, ...given]) => (given.length === 0 || !isTrue(given[0]) ? d : given[0]))],
  ['toJson', jsonFn],
  ['toJSON', jsonFn],
]);
