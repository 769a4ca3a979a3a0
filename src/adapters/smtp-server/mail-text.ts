import { TextDecoder } from 'node:util';
import { htmlToText } from '../../util/html-to-text.js';
import { decodeRfc2047 } from '../../util/rfc2047.js';

/** What a mail says, as a notification needs it. */
export interface MailText {
  /** The decoded Subject header, trimmed; empty when there is none. */
  subject: string;
  /** The text part, or the HTML part as plain text when there is no text part; trimmed. */
  text: string;
}

/**
 * Multipart nesting followed: mail clients nest alternative in mixed in related, three deep at
 * most; anything deeper is skipped rather than followed forever.
 */
const MAX_DEPTH = 4;

/**
 * Reads the subject and the readable text of a raw RFC 5322 message: headers unfolded, encoded
 * words decoded, the text/plain part preferred over text/html (which is turned into plain text),
 * base64 and quoted-printable undone, the charset applied. Attachments and other media are
 * skipped. Never throws: a malformed mail yields what could be read of it.
 *
 * The raw bytes are handled as a latin1 string, one character per byte, so that boundaries and
 * headers can be found with string operations and every part's bytes come back exactly before
 * its charset is applied.
 */
export function mailText(raw: Uint8Array): MailText {
  const { headers, body } = splitEntity(Buffer.from(raw).toString('latin1'));
  const subject = decodeRfc2047(headerText(headers.get('subject') ?? '')).trim();
  const found: Found = {};
  collectText(headers, body, 0, found);
  const text = found.plain ?? (found.html !== undefined ? htmlToText(found.html) : '');
  return { subject, text: text.replace(/\r\n?/g, '\n').trim() };
}

interface Found {
  plain?: string;
  html?: string;
}

function collectText(headers: Map<string, string>, body: string, depth: number, found: Found): void {
  const { type, params } = contentType(headers.get('content-type'));
  if (/^attachment\b/i.test(headers.get('content-disposition') ?? '')) return;
  if (type.startsWith('multipart/')) {
    const boundary = params.get('boundary');
    if (!boundary || depth >= MAX_DEPTH) return;
    for (const part of splitMultipart(body, boundary)) {
      const entity = splitEntity(part);
      collectText(entity.headers, entity.body, depth + 1, found);
      if (found.plain !== undefined) return;
    }
    return;
  }
  if (type !== 'text/plain' && type !== 'text/html') return;
  const bytes = transferDecode(body, headers.get('content-transfer-encoding') ?? '');
  const text = charsetDecode(bytes, params.get('charset') ?? 'utf-8');
  if (type === 'text/plain') found.plain ??= text;
  else found.html ??= text;
}

/** Headers (names lower-cased, first occurrence kept) and the body after the blank line. */
function splitEntity(entity: string): { headers: Map<string, string>; body: string } {
  const blank = /\r?\n\r?\n/.exec(entity);
  const startsBlank = /^\r?\n/.exec(entity);
  const headerBlock = startsBlank ? '' : blank ? entity.slice(0, blank.index) : entity;
  const body = startsBlank ? entity.slice(startsBlank[0].length) : blank ? entity.slice(blank.index + blank[0].length) : '';
  const headers = new Map<string, string>();
  for (const line of headerBlock.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** A header's bytes as text: UTF-8 when they are (SMTPUTF8 senders write it raw), else latin1. */
function headerText(value: string): string {
  if (!/[^\x00-\x7f]/.test(value)) return value;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

const PARAM = /;\s*([^=\s;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g;

/** `type/subtype; name=value; …`, with the type lower-cased; text/plain when absent (RFC 2045 §5.2). */
function contentType(value: string | undefined): { type: string; params: Map<string, string> } {
  const params = new Map<string, string>();
  if (!value) return { type: 'text/plain', params };
  const semicolon = value.indexOf(';');
  const type = (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase();
  if (semicolon !== -1) {
    for (const m of value.slice(semicolon).matchAll(PARAM)) {
      const name = m[1]!.toLowerCase();
      if (!params.has(name)) params.set(name, m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? ''));
    }
  }
  return { type: type || 'text/plain', params };
}

/**
 * The body parts between the boundary delimiters (RFC 2046 §5.1.1): the preamble and the epilogue
 * are dropped, and the line break before a delimiter belongs to the delimiter. A missing close
 * delimiter ends the last part at the end of the body.
 */
function splitMultipart(body: string, boundary: string): string[] {
  const escaped = boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const delimiter = new RegExp(`(?:\\r?\\n|^)--${escaped}(--)?[ \\t]*(?:\\r?\\n|$)`, 'gm');
  const parts: string[] = [];
  let start = -1;
  for (const m of body.matchAll(delimiter)) {
    if (start >= 0) parts.push(body.slice(start, m.index));
    if (m[1] !== undefined) return parts;
    start = m.index + m[0].length;
  }
  if (start >= 0) parts.push(body.slice(start));
  return parts;
}

function transferDecode(body: string, encoding: string): Buffer {
  switch (encoding.trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
    case 'quoted-printable':
      return quotedPrintable(body);
    default:
      return Buffer.from(body, 'latin1');
  }
}

/**
 * RFC 2045 §6.7: `=XX` is a byte, `=` at a line's end joins it to the next, whitespace at a line's
 * end is padding added in transport; a stray `=` is kept.
 */
function quotedPrintable(body: string): Buffer {
  const joined = body.replace(/[ \t]+(?=\r?\n|$)/g, '').replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const c = joined.charCodeAt(i);
    if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(joined.slice(i + 1, i + 3))) {
      bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(c & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** Applies the part's charset; an unknown one is read as UTF-8, bytes that do not fit become U+FFFD. */
function charsetDecode(bytes: Buffer, charset: string): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset.trim().toLowerCase());
  } catch {
    decoder = new TextDecoder('utf-8');
  }
  return decoder.decode(bytes);
}
