/**
 * The text part of an email whose template only gave HTML: what a reader would see, as plain
 * text. Not a full HTML parser, but a single forward pass (no backtracking regexes, linear in the
 * input) that gets email markup right: scripts, styles, the head, comments (including Outlook's
 * conditional ones) and `display:none` preheaders disappear; blocks, `<br>` and table rows break
 * lines; list items get `- ` or `1. `; a link keeps its address after its text; `<pre>` keeps its
 * whitespace; character references are decoded.
 */
export function htmlToText(html: string): string {
  const out = new TextOutput();
  const anchors: { href: string | undefined; start: number }[] = [];
  const lists: { ordered: boolean; next: number }[] = [];
  let pre = 0;
  let hidden: { name: string; depth: number } | undefined;
  let i = 0;
  const n = html.length;

  while (i < n) {
    const lt = html.indexOf('<', i);
    const textEnd = lt === -1 ? n : lt;
    if (textEnd > i) {
      if (!hidden) out.text(decodeEntities(html.slice(i, textEnd)), pre > 0);
      i = textEnd;
      if (lt === -1) break;
    }
    // html[i] === '<'
    const next = html.charCodeAt(i + 1);
    if (html.startsWith('<!--', i)) {
      const end = html.indexOf('-->', i + 4);
      i = end === -1 ? n : end + 3;
      continue;
    }
    if (next === 0x21 /* ! */ || next === 0x3f /* ? */) {
      const end = html.indexOf('>', i + 2);
      i = end === -1 ? n : end + 1;
      continue;
    }
    const closing = next === 0x2f; /* / */
    const nameStart = closing ? i + 2 : i + 1;
    if (!isAsciiLetter(html.charCodeAt(nameStart))) {
      // A '<' that opens no tag is text, as browsers show it.
      if (!hidden) out.text('<', pre > 0);
      i += 1;
      continue;
    }
    const tagEnd = findTagEnd(html, nameStart);
    if (tagEnd === -1) break; // an unterminated tag swallows the rest, as in a browser
    let nameEnd = nameStart;
    while (nameEnd < tagEnd && !isNameEnd(html.charCodeAt(nameEnd))) nameEnd++;
    const name = html.slice(nameStart, nameEnd).toLowerCase();
    const attributes = html.slice(nameEnd, tagEnd);
    i = tagEnd + 1;

    if (hidden) {
      if (name === hidden.name && !VOID.has(name) && !attributes.endsWith('/')) {
        hidden.depth += closing ? -1 : 1;
        if (hidden.depth === 0) hidden = undefined;
      }
      continue;
    }

    if (!closing && SKIPPED_CONTENT.has(name)) {
      const close = indexOfIgnoreCase(html, `</${name}`, i);
      // A head without </head> ends implicitly at <body>: keep what follows rather than lose it all.
      if (close === -1) i = name === 'head' ? i : n;
      else {
        const after = html.indexOf('>', close);
        i = after === -1 ? n : after + 1;
      }
      continue;
    }
    if (!closing && !VOID.has(name) && !attributes.endsWith('/') && isHiddenStyle(attributes)) {
      hidden = { name, depth: 1 };
      continue;
    }

    if (closing) {
      switch (name) {
        case 'a': {
          const anchor = anchors.pop();
          if (anchor?.href) out.linkTarget(anchor.href, anchor.start);
          break;
        }
        case 'ul':
        case 'ol':
          lists.pop();
          out.block(lists.length > 0 ? 1 : 2);
          break;
        case 'pre':
          if (pre > 0) pre--;
          out.block(2);
          break;
        default: {
          const lines = BLOCK.get(name);
          if (lines) out.block(lines);
        }
      }
      continue;
    }

    switch (name) {
      case 'br':
        out.lineBreak();
        break;
      case 'hr':
        out.block(1);
        out.text('---', true);
        out.block(1);
        break;
      case 'img': {
        const alt = attribute(attributes, 'alt');
        if (alt) out.text(decodeEntities(alt), false);
        break;
      }
      case 'a':
        anchors.push({ href: linkHref(attribute(attributes, 'href')), start: out.mark() });
        break;
      case 'ul':
      case 'ol': {
        const start = Number.parseInt(attribute(attributes, 'start') ?? '1', 10);
        lists.push({ ordered: name === 'ol', next: Number.isFinite(start) ? start : 1 });
        out.block(lists.length > 1 ? 1 : 2);
        break;
      }
      case 'li': {
        out.block(1);
        const list = lists[lists.length - 1];
        const indent = '  '.repeat(Math.max(0, lists.length - 1));
        out.prefix(list?.ordered ? `${indent}${list.next++}. ` : `${indent}- `);
        break;
      }
      case 'td':
      case 'th':
        out.space();
        break;
      case 'pre':
        out.block(2);
        pre++;
        break;
      default: {
        const lines = BLOCK.get(name);
        if (lines) out.block(lines);
      }
    }
  }
  return out.finish();
}

/** Elements that break the line (1) or start a paragraph (2), on opening and on closing. */
const BLOCK: ReadonlyMap<string, 1 | 2> = new Map([
  ...['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'table', 'dl', 'figure'].map((t) => [t, 2] as const),
  ...['div', 'tr', 'li', 'dt', 'dd', 'section', 'article', 'header', 'footer', 'main', 'nav', 'aside', 'address',
    'center', 'form', 'fieldset', 'figcaption', 'caption', 'details', 'summary', 'body', 'html'].map((t) => [t, 1] as const),
]);

/** Elements whose content is never shown as text. */
const SKIPPED_CONTENT: ReadonlySet<string> = new Set(['script', 'style', 'head', 'title', 'template', 'noscript', 'textarea', 'select', 'svg', 'math', 'iframe', 'object']);

const VOID: ReadonlySet<string> = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

/** Collects text with collapsed whitespace; breaks and spaces wait until more text arrives. */
class TextOutput {
  readonly #parts: string[] = [];
  #pendingBreaks = 0;
  #pendingSpace = false;
  #pendingPrefix = '';
  #atLineStart = true;

  mark(): number {
    return this.#parts.length;
  }

  text(value: string, preserveWhitespace: boolean): void {
    if (preserveWhitespace) {
      if (value.length === 0) return;
      this.#flush(false);
      this.#parts.push(value);
      this.#atLineStart = value.endsWith('\n');
      return;
    }
    let start = 0;
    const len = value.length;
    while (start < len) {
      let s = start;
      while (s < len && isSpace(value.charCodeAt(s))) s++;
      if (s > start) this.#pendingSpace = true;
      if (s >= len) break;
      let e = s;
      while (e < len && !isSpace(value.charCodeAt(e))) e++;
      this.#flush(true);
      this.#parts.push(value.slice(s, e));
      this.#atLineStart = false;
      start = e;
    }
  }

  space(): void {
    this.#pendingSpace = true;
  }

  block(lines: number): void {
    if (this.#parts.length === 0) return;
    this.#pendingBreaks = Math.max(this.#pendingBreaks, lines);
    this.#pendingSpace = false;
  }

  lineBreak(): void {
    // Consecutive <br> make blank lines, but no more than one.
    this.#pendingBreaks = Math.min(this.#pendingBreaks + 1, 2);
    this.#pendingSpace = false;
  }

  prefix(value: string): void {
    this.#pendingPrefix = value;
  }

  /** After a link's text: its address in parentheses, unless the text already is the address. */
  linkTarget(href: string, start: number): void {
    const text = this.#parts.slice(start).join('').trim();
    const bare = href.startsWith('mailto:') ? href.slice(7) : href;
    if (text === href || text === bare) return;
    if (text.length === 0) {
      this.text(bare, false);
      return;
    }
    this.#flush(false);
    this.#parts.push(this.#atLineStart ? `(${bare})` : ` (${bare})`);
    this.#atLineStart = false;
  }

  finish(): string {
    const joined = this.#parts.join('').replace(/\u00a0/g, ' ');
    const lines = joined.split('\n').map((line) => line.trimEnd());
    const kept: string[] = [];
    let blank = 0;
    for (const line of lines) {
      blank = line.length === 0 ? blank + 1 : 0;
      if (blank <= 1) kept.push(line);
    }
    // Leading blank lines go, leading spaces stay: they can only come from <pre> or &nbsp;.
    return kept.join('\n').replace(/^\n+/, '').trimEnd();
  }

  #flush(collapse: boolean): void {
    if (this.#pendingBreaks > 0 && this.#parts.length > 0) {
      this.#parts.push('\n'.repeat(this.#pendingBreaks));
      this.#atLineStart = true;
      this.#pendingSpace = false;
    }
    this.#pendingBreaks = 0;
    if (this.#pendingPrefix) {
      if (!this.#atLineStart) this.#parts.push('\n');
      this.#parts.push(this.#pendingPrefix);
      this.#pendingPrefix = '';
      this.#atLineStart = false;
      this.#pendingSpace = false;
    }
    if (collapse && this.#pendingSpace && !this.#atLineStart) this.#parts.push(' ');
    this.#pendingSpace = false;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isNameEnd(c: number): boolean {
  return isSpace(c) || c === 0x2f /* / */ || c === 0x3e /* > */;
}

/** The index of the '>' closing a tag whose name starts at `from`, skipping quoted attribute values. */
function findTagEnd(html: string, from: number): number {
  let quote = 0;
  for (let i = from; i < html.length; i++) {
    const c = html.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) {
      // A quote only opens a value right after '=' (possibly with spaces); elsewhere it is literal.
      let j = i - 1;
      while (j > from && isSpace(html.charCodeAt(j))) j--;
      if (html.charCodeAt(j) === 0x3d /* = */) quote = c;
    } else if (c === 0x3e) {
      return i;
    }
  }
  return -1;
}

function indexOfIgnoreCase(haystack: string, needle: string, from: number): number {
  const lower = needle.toLowerCase();
  const upper = needle.toUpperCase();
  for (let i = haystack.indexOf('<', from); i !== -1; i = haystack.indexOf('<', i + 1)) {
    let k = 0;
    while (k < needle.length) {
      const c = haystack[i + k];
      if (c !== lower[k] && c !== upper[k]) break;
      k++;
    }
    if (k === needle.length) return i;
  }
  return -1;
}

const ATTRIBUTE = /([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?/g;

function attribute(source: string, wanted: string): string | undefined {
  for (const m of source.matchAll(ATTRIBUTE)) {
    if (m[1]!.toLowerCase() === wanted) return m[2] ?? m[3] ?? m[4] ?? '';
  }
  return undefined;
}

function isHiddenStyle(attributes: string): boolean {
  // Most tags have neither word: skip the attribute parse for them.
  if (!/none|hidden/i.test(attributes)) return false;
  if (/\shidden(?:[\s=/]|$)/i.test(attributes)) return true;
  const style = attribute(attributes, 'style');
  return style !== undefined && /display\s*:\s*none/i.test(style);
}

/** Only addresses a reader can use are worth printing: not fragments, not javascript:. */
function linkHref(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const href = decodeEntities(raw).trim();
  return /^(?:https?:|mailto:|tel:)/i.test(href) ? href : undefined;
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', shy: '', zwnj: '\u200c', zwj: '\u200d',
  ensp: '\u2002', emsp: '\u2003', thinsp: '\u2009', copy: '©', reg: '®', trade: '™', hellip: '…', mdash: '—',
  ndash: '–', lsquo: '‘', rsquo: '’', sbquo: '‚', ldquo: '“', rdquo: '”', bdquo: '„', laquo: '«', raquo: '»',
  bull: '•', middot: '·', euro: '€', pound: '£', yen: '¥', cent: '¢', sect: '§', para: '¶', deg: '°',
  times: '×', divide: '÷', plusmn: '±', iexcl: '¡', iquest: '¿', dagger: '†', larr: '←', rarr: '→',
  uarr: '↑', darr: '↓', hearts: '♥', check: '✓',
};

/** Decodes character references; unknown names stay as written. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#[xX][0-9a-fA-F]{1,8}|#[0-9]{1,10}|[a-zA-Z][a-zA-Z0-9]{1,31});/g, (whole, body: string) => {
    if (body[0] !== '#') return NAMED_ENTITIES[body] ?? NAMED_ENTITIES[body.toLowerCase()] ?? whole;
    const code = body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\ufffd';
    return String.fromCodePoint(code);
  });
}
