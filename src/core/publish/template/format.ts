/**
 * A subset of Go's fmt.Sprintf: flags `-+ 0`, width, precision and the verbs
 * v s q d f F e E g G x X t c o b %. Wrong verbs, missing and extra operands render the way
 * Go renders them (`%!d(string=a)`, `%!s(MISSING)`, `%!(EXTRA ...)`) instead of failing.
 */
import { goQuote } from './escape.js';
import { FuncError } from './errors.js';
import type { WorkMeter } from './limits.js';
import { BoundedText, formatFloat, formatValue, goExponent, goType, isMap, sortedKeys } from './values.js';

interface Spec {
  minus: boolean;
  plus: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  prec: number | undefined;
}

// ntfy rejects widths and precisions of 1000 or more: fmt would pad to them in one step.
const MAX_WIDTH = 999;

/**
 * Go's Sprintf; the result, like every value, stops at the value limit. Widths and precisions are
 * charged as work, since a float written to 999 places costs about that much whatever it prints.
 */
export function sprintf(format: string, args: unknown[], meter: WorkMeter): string {
  const maxChars = meter.limits.maxValueChars;
  const out = new BoundedText(maxChars, 'printf');
  let next = 0;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out.add(format.slice(i));
      break;
    }
    out.add(format.slice(i, pct));
    i = pct + 1;
    const spec: Spec = { minus: false, plus: false, space: false, zero: false, width: undefined, prec: undefined };
    for (; i < format.length; i++) {
      const c = format[i];
      if (c === '-') spec.minus = true;
      else if (c === '+') spec.plus = true;
      else if (c === ' ') spec.space = true;
      else if (c === '0') spec.zero = true;
      else if (c !== '#') break;
    }
    const readNumber = (): number | undefined => {
      const m = /^\d+/.exec(format.slice(i, i + 8));
      if (!m) return undefined;
      i += m[0].length;
      if (Number(m[0]) > MAX_WIDTH) throw new FuncError('printf width or precision too large');
      return Number(m[0]);
    };
    spec.width = readNumber();
    if (format[i] === '.') {
      i++;
      spec.prec = readNumber() ?? 0;
    }
    if (format[i] === '*' || format[i] === '[') {
      throw new FuncError('printf argument indexes and * widths are not supported');
    }
    const verb = String.fromCodePoint(format.codePointAt(i) ?? 0);
    if (i >= format.length) {
      out.add('%!(NOVERB)');
      break;
    }
    i += verb.length;
    if (verb === '%') out.add('%');
    else if (next >= args.length) out.add(`%!${verb}(MISSING)`);
    else {
      meter.charge((spec.width ?? 0) + (spec.prec ?? 0));
      formatOperand(verb, args[next++], spec, 0, out, maxChars);
    }
  }
  if (next < args.length) {
    out.add('%!(EXTRA ');
    args.slice(next).forEach((a, n) => {
      if (n > 0) out.add(', ');
      out.add(a === null || a === undefined ? '<nil>' : `${goType(a)}=${formatValue(a, maxChars, 'printf')}`);
    });
    out.add(')');
  }
  return out.text;
}

/**
 * Writes one operand. fmt applies the verb to each element of a collection (keys included), so
 * elements are written one by one: a wide verb over a long list stops at the limit, not after.
 */
function formatOperand(verb: string, arg: unknown, spec: Spec, depth: number, out: BoundedText, maxChars: number): void {
  if (Array.isArray(arg)) {
    out.add('[');
    arg.forEach((item, n) => {
      if (n > 0) out.add(' ');
      formatOperand(verb, item, spec, depth + 1, out, maxChars);
    });
    out.add(']');
    return;
  }
  if (isMap(arg)) {
    out.add('map[');
    sortedKeys(arg).forEach((k, n) => {
      if (n > 0) out.add(' ');
      formatOperand(verb, k, spec, depth + 1, out, maxChars);
      out.add(':');
      formatOperand(verb, arg[k], spec, depth + 1, out, maxChars);
    });
    out.add(']');
    return;
  }
  out.add(formatScalarOperand(verb, arg, spec, depth, maxChars));
}

function formatScalarOperand(verb: string, arg: unknown, spec: Spec, depth: number, maxChars: number): string {
  if (arg === null || arg === undefined) {
    return depth > 0 || verb === 'v' ? pad('<nil>', spec, false) : `%!${verb}(<nil>)`;
  }
  const bad = (): string => `%!${verb}(${goType(arg)}=${formatValue(arg, maxChars, 'printf')})`;
  if (typeof arg === 'boolean') return verb === 'v' || verb === 't' ? pad(String(arg), spec, false) : bad();
  if (typeof arg === 'string') {
    const text = spec.prec === undefined ? arg : [...arg].slice(0, spec.prec).join('');
    if (verb === 'v' || verb === 's') return pad(text, spec, false);
    if (verb === 'q') return pad(goQuote(text), spec, false);
    if (verb === 'x' || verb === 'X') {
      const digits = Buffer.from(arg, 'utf8').toString('hex');
      return pad(verb === 'X' ? digits.toUpperCase() : digits, spec, false);
    }
    return bad();
  }
  if (typeof arg === 'bigint') return formatInt(verb, arg, spec) ?? bad();
  if (typeof arg === 'number') {
    // Go refuses %d on float64; JSON numbers are all float64, so integral ones are let through.
    if ('dxXob'.includes(verb) && Number.isInteger(arg) && Math.abs(arg) <= Number.MAX_SAFE_INTEGER) {
      return formatInt(verb, BigInt(arg), spec) ?? bad();
    }
    const text = formatFloatVerb(verb, arg, spec.prec);
    return text === undefined ? bad() : padNumber(text, spec);
  }
  return bad();
}

function formatInt(verb: string, n: bigint, spec: Spec): string | undefined {
  const abs = n < 0n ? -n : n;
  const radix: Record<string, number> = { v: 10, d: 10, x: 16, X: 16, o: 8, b: 2 };
  if (verb === 'c') return pad(String.fromCodePoint(Number(abs) <= 0x10ffff ? Number(abs) : 0xfffd), spec, false);
  if (verb === 'q') return pad(`'${String.fromCodePoint(Number(abs) <= 0x10ffff ? Number(abs) : 0xfffd)}'`, spec, false);
  if (!(verb in radix)) return undefined;
  let digits = abs.toString(radix[verb]);
  if (verb === 'X') digits = digits.toUpperCase();
  if (spec.prec !== undefined) digits = digits.padStart(spec.prec, '0');
  return padNumber((n < 0n ? '-' : '') + digits, spec);
}

function formatFloatVerb(verb: string, x: number, prec: number | undefined): string | undefined {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? '+Inf' : '-Inf';
  switch (verb) {
    case 'v': case 'g': case 'G': {
      const text = prec === undefined ? formatFloat(x) : formatPrecision(x, Math.max(prec, 1));
      return verb === 'G' ? text.toUpperCase() : text;
    }
    case 'f': case 'F':
      return fixed(x, prec ?? 6);
    case 'e': case 'E': {
      const [mantissa, exp] = x.toExponential(Math.min(prec ?? 6, 100)).split('e');
      const text = `${mantissa}e${goExponent(Number(exp))}`;
      return verb === 'E' ? text.toUpperCase() : text;
    }
    default:
      return undefined;
  }
}

/** %.Ng: N significant digits, trailing zeros dropped, exponent form outside [1e-4, 1e N). */
function formatPrecision(x: number, prec: number): string {
  const [mantissa, exp] = x.toExponential(Math.min(prec - 1, 100)).split('e');
  const e = Number(exp);
  const trimmed = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
  if (e < -4 || e >= prec) return `${trimmed}e${goExponent(e)}`;
  const digits = x.toFixed(Math.max(0, Math.min(prec - 1 - e, 100)));
  return digits.includes('.') ? digits.replace(/\.?0+$/, '') : digits;
}

function fixed(x: number, prec: number): string {
  // toFixed switches to exponent form from 1e21; such doubles are integers, so BigInt is exact.
  if (Math.abs(x) >= 1e21) return BigInt(x).toString() + (prec > 0 ? `.${'0'.repeat(prec)}` : '');
  if (prec >= 100) return x.toFixed(100) + '0'.repeat(prec - 100);
  // toFixed rounds an exact tie (1.25 to one place) away from zero; Go rounds it to even.
  const exact = Math.abs(x).toFixed(100);
  const cut = exact.indexOf('.') + (prec === 0 ? 0 : prec + 1);
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (/^5(0*)$/.test(exact.slice(prec === 0 ? cut + 1 : cut)) && Number(exact[cut - 1]) % 2 === 0) {
    return sign + exact.slice(0, cut);
  }
  return sign + Math.abs(x).toFixed(prec);
}

function padNumber(text: string, spec: Spec): string {
  const negative = text.startsWith('-');
  const body = negative || text.startsWith('+') ? text.slice(1) : text;
  const sign = negative ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  const numeric = /^[0-9]/.test(body);
  if (spec.zero && !spec.minus && numeric && spec.width !== undefined) {
    return sign + body.padStart(spec.width - sign.length, '0');
  }
  return pad(sign + body, spec, true);
}

function pad(text: string, spec: Spec, isNumber: boolean): string {
  const width = spec.width ?? 0;
  const length = [...text].length;
  if (length >= width) return text;
  const fill = (spec.zero && !spec.minus && !isNumber ? '0' : ' ').repeat(width - length);
  return spec.minus ? text + fill : fill + text;
}
