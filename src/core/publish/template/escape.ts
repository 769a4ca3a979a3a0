/** Go's escapers, reproduced so escaped output matches what ntfy produces byte for byte. */
import { BoundedText, isMap, sortedKeys } from './values.js';

const QUOTE_ESCAPES: Record<string, string> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v',
  '"': '\\"', '\\': '\\\\',
};
// What strconv.Quote escapes: quotes, backslashes and everything unicode.IsPrint refuses (control,
// format, unassigned, surrogate and separator characters, except the ASCII space). The escapers
// below replace through one regular expression each, so a long string costs a single native pass
// plus a callback per escaped character only.
const QUOTE_NEEDS_ESCAPE = /["\\]|(?! )[\p{C}\p{Z}]/gu;

function hex(code: number, width: number, upper = false): string {
  const digits = code.toString(16).padStart(width, '0');
  return upper ? digits.toUpperCase() : digits;
}

/** strconv.Quote, used by printf's %q. */
export function goQuote(s: string): string {
  const quoted = s.replace(QUOTE_NEEDS_ESCAPE, (ch) => {
    const code = ch.codePointAt(0) ?? 0;
    if (ch in QUOTE_ESCAPES) return QUOTE_ESCAPES[ch];
    if (code < 0x20 || code === 0x7f) return `\\x${hex(code, 2)}`;
    return code < 0x10000 ? `\\u${hex(code, 4)}` : `\\U${hex(code, 8)}`;
  });
  return `"${quoted}"`;
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
// ASCII specials and controls, and non-ASCII characters unicode.IsPrint refuses.
const JS_NEEDS_ESCAPE = /[\\'"<>&=\0-\x1f]|(?![\0-\x7f])[\p{C}\p{Z}]/gu;

/** template.JSEscapeString. */
export function jsEscape(s: string): string {
  return s.replace(JS_NEEDS_ESCAPE, (ch) => JS_ESCAPES[ch] ?? `\\u${hex(ch.codePointAt(0) ?? 0, 4, true)}`);
}

// encodeURIComponent keeps these five, url.QueryEscape escapes them; it writes a space as '+'.
const QUERY_FIXUPS = /[!'()*]|%20/g;

/** url.QueryEscape: unreserved bytes kept, space as '+', everything else %XX of its UTF-8 bytes. */
export function queryEscape(s: string): string {
  // A lone surrogate has no UTF-8 form: Go (and Buffer) write U+FFFD for it, encodeURIComponent throws.
  const wellFormed = s.replace(/\p{Cs}/gu, '\uFFFD');
  return encodeURIComponent(wellFormed).replace(QUERY_FIXUPS, (m) => (m === '%20' ? '+' : `%${hex(m.charCodeAt(0), 2, true)}`));
}

/**
 * encoding/json's Marshal, as sprig's toJson uses it: map keys sorted and <, >, & and the JS line
 * separators escaped. Returns undefined where Go's Marshal fails (non-finite numbers), since sprig
 * then prints an empty string. The text stops at `maxChars` characters.
 */
export function toJson(value: unknown, maxChars: number): string | undefined {
  const out = new BoundedText(maxChars, 'toJson');
  return writeJson(value, out) ? out.text : undefined;
}

function writeJson(value: unknown, out: BoundedText): boolean {
  if (value === undefined || value === null) out.add('null');
  else if (typeof value === 'string') out.add(jsonString(value));
  // For finite numbers JSON's text is ToString's.
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) return false;
    out.add(String(value));
  } else if (typeof value === 'bigint' || typeof value === 'boolean') out.add(String(value));
  else if (Array.isArray(value)) {
    out.add('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.add(',');
      if (!writeJson(value[i], out)) return false;
    }
    out.add(']');
  } else if (isMap(value)) {
    out.add('{');
    let first = true;
    for (const key of sortedKeys(value)) {
      out.add(first ? `${jsonString(key)}:` : `,${jsonString(key)}:`);
      first = false;
      if (!writeJson(value[key], out)) return false;
    }
    out.add('}');
  } else {
    return false;
  }
  return true;
}

const JSON_EXTRA_ESCAPES = /[<>&\u2028\u2029]/g;

function jsonString(s: string): string {
  return JSON.stringify(s).replace(JSON_EXTRA_ESCAPES, (c) => `\\u${hex(c.charCodeAt(0), 4)}`);
}
