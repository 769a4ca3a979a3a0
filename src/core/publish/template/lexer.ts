import { syntaxError } from './errors.js';

export type TokenType =
  | 'field' | 'variable' | 'dot' | 'ident' | 'string' | 'number' | 'char'
  | 'pipe' | 'lparen' | 'rparen' | 'declare' | 'assign' | 'comma';

export interface Token {
  type: TokenType;
  /** Names without their sigil, decoded string contents, or a number's source text. */
  value: string;
  line: number;
  /** Whitespace came right before: `.a.b` is one chain, `.a .b` two arguments. */
  spaced: boolean;
}

export type Item =
  | { kind: 'text'; text: string }
  | { kind: 'action'; tokens: Token[]; line: number };

const SPACE = /[ \t\r\n]/;
const WORD = /[\p{L}\p{Nd}_]+/uy;
// Loose first, strict after: Go reports a whole malformed number rather than splitting it.
const NUMBER_LOOSE = /[+-]?(?:[0-9A-Za-z_.]|(?<=[eEpP])[+-])*/y;
const NUMBER_STRICT =
  /^[+-]?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:[0-9][0-9_]*\.?[0-9_]*|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9_]+)?)$/;
const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\',
};

/**
 * Splits a template into text and action items. Trim markers are applied here (Go does the
 * same in its lexer) and comments vanish, so the parser only ever sees real actions.
 */
export function lex(src: string): Item[] {
  const lineStarts = [0];
  for (let i = src.indexOf('\n'); i >= 0; i = src.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const lineAt = (pos: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };

  const items: Item[] = [];
  let pos = 0;
  let trimNext = false;
  while (pos < src.length) {
    const open = src.indexOf('{{', pos);
    let text = open < 0 ? src.slice(pos) : src.slice(pos, open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    trimNext = false;
    if (open < 0) {
      if (text) items.push({ kind: 'text', text });
      break;
    }
    let p = open + 2;
    if (src[p] === '-' && SPACE.test(src[p + 1] ?? '')) {
      text = text.replace(/[ \t\r\n]+$/, '');
      p += 2;
    }
    if (text) items.push({ kind: 'text', text });

    const closesAt = (at: number): number => {
      if (SPACE.test(src[at] ?? '') && src[at + 1] === '-' && src.startsWith('}}', at + 2)) return 4;
      return src.startsWith('}}', at) ? 2 : 0;
    };

    if (src.startsWith('/*', p)) {
      const end = src.indexOf('*/', p + 2);
      if (end < 0) syntaxError(lineAt(open), 'unclosed comment');
      const close = closesAt(end + 2);
      if (close === 0) syntaxError(lineAt(end), 'comment ends before closing delimiter');
      trimNext = close === 4;
      pos = end + 2 + close;
      continue;
    }

    const tokens: Token[] = [];
    let spaced = false;
    const push = (type: TokenType, value: string, at: number): void => {
      tokens.push({ type, value, line: lineAt(at), spaced });
      spaced = false;
    };
    for (;;) {
      if (p >= src.length) syntaxError(lineAt(open), 'unclosed action');
      const close = closesAt(p);
      if (close > 0) {
        trimNext = close === 4;
        p += close;
        break;
      }
      const c = src[p];
      if (SPACE.test(c)) {
        spaced = true;
        p++;
        continue;
      }
      const start = p;
      if (c === '|') { push('pipe', c, p); p++; continue; }
      if (c === '(') { push('lparen', c, p); p++; continue; }
      if (c === ')') { push('rparen', c, p); p++; continue; }
      if (c === ',') { push('comma', c, p); p++; continue; }
      if (c === '=') { push('assign', c, p); p++; continue; }
      if (c === ':') {
        if (src[p + 1] !== '=') syntaxError(lineAt(p), 'expected :=');
        push('declare', ':=', p);
        p += 2;
        continue;
      }
      if (c === '"') {
        const [value, end] = readQuoted(src, p, '"', lineAt);
        push('string', value, start);
        p = end;
        continue;
      }
      if (c === "'") {
        const [value, end] = readQuoted(src, p, "'", lineAt);
        if ([...value].length !== 1) syntaxError(lineAt(p), `malformed character constant: ${src.slice(p, end)}`);
        push('char', value, start);
        p = end;
        continue;
      }
      if (c === '`') {
        const end = src.indexOf('`', p + 1);
        if (end < 0) syntaxError(lineAt(p), 'unterminated raw quoted string');
        // Go drops carriage returns from raw strings.
        push('string', src.slice(p + 1, end).replace(/\r/g, ''), start);
        p = end + 1;
        continue;
      }
      if (c === '$') {
        WORD.lastIndex = p + 1;
        const word = WORD.exec(src)?.[0] ?? '';
        push('variable', word, start);
        p += 1 + word.length;
        continue;
      }
      const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '9';
      if (c === '.' && !isDigit(src[p + 1])) {
        WORD.lastIndex = p + 1;
        const word = WORD.exec(src)?.[0];
        if (word) push('field', word, start);
        else push('dot', '.', start);
        p += 1 + (word?.length ?? 0);
        continue;
      }
      if (c === '.' || c === '+' || c === '-' || isDigit(c)) {
        NUMBER_LOOSE.lastIndex = p;
        const text = NUMBER_LOOSE.exec(src)?.[0] ?? c;
        if (!NUMBER_STRICT.test(text)) syntaxError(lineAt(p), `bad number syntax: ${JSON.stringify(text)}`);
        push('number', text, start);
        p += text.length;
        continue;
      }
      WORD.lastIndex = p;
      const word = WORD.exec(src)?.[0];
      if (word && !isDigit(word[0])) {
        push('ident', word, start);
        p += word.length;
        continue;
      }
      syntaxError(lineAt(p), `unrecognized character in action: ${JSON.stringify(String.fromCodePoint(src.codePointAt(p) ?? 0))}`);
    }
    items.push({ kind: 'action', tokens, line: lineAt(open) });
    pos = p;
  }
  return items;
}

/** Reads a Go interpreted string or rune literal starting at `start`; returns [decoded, end]. */
function readQuoted(src: string, start: number, quote: string, lineAt: (pos: number) => number): [string, number] {
  let out = '';
  let p = start + 1;
  for (;;) {
    const c = src[p];
    if (c === undefined || c === '\n') syntaxError(lineAt(start), 'unterminated quoted string');
    if (c === quote) return [out, p + 1];
    if (c !== '\\') {
      out += c;
      p++;
      continue;
    }
    const e = src[p + 1] ?? '';
    if (e in SIMPLE_ESCAPES) { out += SIMPLE_ESCAPES[e]; p += 2; continue; }
    if (e === quote) { out += quote; p += 2; continue; }
    const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    const digits = hexLen > 0 ? src.slice(p + 2, p + 2 + hexLen) : src.slice(p + 1, p + 4);
    const valid = hexLen > 0 ? new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(digits) : /^[0-7]{3}$/.test(digits);
    const code = valid ? parseInt(digits, hexLen > 0 ? 16 : 8) : NaN;
    if (!valid || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      syntaxError(lineAt(p), `invalid escape sequence in quoted string: \\${e}`);
    }
    out += String.fromCodePoint(code);
    p += hexLen > 0 ? 2 + hexLen : 4;
  }
}
