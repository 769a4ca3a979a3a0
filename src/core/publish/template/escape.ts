/** Go's escapers, reproduced so escaped output matches what ntfy produces byte for byte. */
import { isMap, sortedKeys } from './values.js';

const NOT_PRINTABLE = /[\p{C}\p{Z}]/u;
const QUOTE_ESCAPES: Record<string, string> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v',
  '"': '\\"', '\\': '\\\\',
};

function hex(code: number, width: number, upper = false): string {
  const digits = code.toString(16).padStart(width, '0');
  return upper ? digits.toUpperCase() : digits;
}

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
function isPrintable(ch: string): boolean {
  return ch === ' ' || !NOT_PRINTABLE.test(ch);
}

/** strconv.Quote, used by printf's %q. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch in QUOTE_ESCAPES) out += QUOTE_ESCAPES[ch];
    else if (isPrintable(ch)) out += ch;
    else if (code < 0x20 || code === 0x7f) out += `\\x${hex(code, 2)}`;
    else if (code < 0x10000) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return `${out}"`;
}

const HTML_ESCAPES: Record<string, string> = {
  '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;', '\0': '\uFFFD',
};

/** template.HTMLEscapeString. */
export function htmlEscape(s: string): string {
  return s.replace(/["'&<>\0]/g, (c) => HTML_ESCAPES[c]);
}

const JS_ESCAPES: Record<string, string> = {
  '\\': '\\\\', "'": "\\'", '"': '\\"', '<': '\\u003C', '>': '\\u003E', '&': '\\u0026', '=': '\\u003D',
};

/** template.JSEscapeString. */
export function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch in JS_ESCAPES) out += JS_ESCAPES[ch];
    else if (code < 0x20) out += `\\u${hex(code, 4, true)}`;
    else if (code < 0x80 || isPrintable(ch)) out += ch;
    else out += `\\u${hex(code, 4, true)}`;
  }
  return out;
}

/** url.QueryEscape: unreserved bytes kept, space as '+', everything else %XX of its UTF-8 bytes. */
export function queryEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${hex(byte, 2, true)}`;
  }
  return out;
}

/**
 * encoding/json's Marshal, as sprig's toJson uses it: map keys sorted and <, >, & and the JS line
 * separators escaped. Returns undefined where Go's Marshal fails (non-finite numbers), since sprig
 * then prints an empty string.
 */
export function toJson(value: unknown): string | undefined {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string') return jsonString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : undefined;
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  const parts: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      const json = toJson(item);
      if (json === undefined) return undefined;
      parts.push(json);
    }
    return `[${parts.join(',')}]`;
  }
  if (!isMap(value)) return undefined;
  for (const key of sortedKeys(value)) {
    const json = toJson(value[key]);
    if (json === undefined) return undefined;
    parts.push(`${jsonString(key)}:${json}`);
  }
  return `{${parts.join(',')}}`;
}

function jsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${hex(c.charCodeAt(0), 4)}`);
}
