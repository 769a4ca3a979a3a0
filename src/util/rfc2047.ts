import { TextDecoder } from 'node:util';

/**
 * RFC 2047 encoded-word decoding for header values, so clients that cannot send UTF-8 headers
 * can still publish titles like `=?UTF-8?B?8J+Ukg==?=`. Anything that is not a well-formed
 * encoded word (bad base64, bad =XX escape, unknown charset, invalid bytes) is kept verbatim:
 * a header that merely looks odd must never turn into an error or lose text.
 */

// charset may carry an RFC 2231 language suffix ("UTF-8*en"), which we ignore.
const ENCODED_WORD = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([BbQq])\?([^?\s]*)\?=/g;
const LINEAR_WHITESPACE = /^[ \t\r\n]+$/;

/** A stretch of adjacent encoded words in one charset, decoded together. */
interface Run {
  charset: string;
  bytes: number[];
  /** The original text of the run, used if its bytes do not decode. */
  raw: string;
  /** Whitespace before the run; dropped when the run before it decoded too (§6.2). */
  gapBefore: string;
}

export function decodeRfc2047(value: string): string {
  if (!value.includes('=?')) return value;
  const parts: Array<string | Run> = [];
  let last = 0;
  for (const match of value.matchAll(ENCODED_WORD)) {
    const start = match.index ?? 0;
    const end = start + match[0].length;
    const gap = value.slice(last, start);
    last = end;
    const charset = match[1].toLowerCase();
    const bytes = decoderFor(charset) ? decodeBytes(match[2], match[3]) : undefined;
    if (bytes === undefined) {
      parts.push(gap + match[0]);
      continue;
    }
    const previous = parts.at(-1);
    const adjacent = typeof previous === 'object' && (gap === '' || LINEAR_WHITESPACE.test(gap));
    // Same-charset neighbours are joined before decoding: some senders split a multibyte
    // character across two words, which decoding each word alone would garble.
    if (adjacent && previous.charset === charset) {
      previous.bytes.push(...bytes);
      previous.raw += gap + match[0];
    } else if (adjacent) {
      parts.push({ charset, bytes: [...bytes], raw: match[0], gapBefore: gap });
    } else {
      if (gap !== '') parts.push(gap);
      parts.push({ charset, bytes: [...bytes], raw: match[0], gapBefore: '' });
    }
  }
  let out = '';
  let previousDecoded = false;
  for (const part of parts) {
    if (typeof part === 'string') {
      out += part;
      previousDecoded = false;
      continue;
    }
    const decoded = decoderFor(part.charset)?.(Uint8Array.from(part.bytes));
    if (decoded === undefined) {
      out += part.gapBefore + part.raw;
    } else {
      out += (previousDecoded ? '' : part.gapBefore) + decoded;
    }
    previousDecoded = decoded !== undefined;
  }
  return out + value.slice(last);
}

function decodeBytes(encoding: string, text: string): Uint8Array | undefined {
  return encoding.toUpperCase() === 'B' ? decodeB(text) : decodeQ(text);
}

function decodeB(text: string): Uint8Array | undefined {
  // Buffer.from(..., 'base64') silently skips junk, so validate first.
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}

function decodeQ(text: string): Uint8Array | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '_') {
      bytes.push(0x20);
    } else if (ch === '=') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      const code = ch.charCodeAt(0);
      if (code > 0x7e) return undefined;
      bytes.push(code);
    }
  }
  return Uint8Array.from(bytes);
}

type Decoder = (bytes: Uint8Array) => string | undefined;

const latin1: Decoder = (bytes) => Buffer.from(bytes).toString('latin1');

function decoderFor(charset: string): Decoder | undefined {
  // Exact ISO-8859-1: TextDecoder would substitute windows-1252 for these labels.
  if (charset === 'iso-8859-1' || charset === 'latin1' || charset === 'us-ascii') return latin1;
  let decoder: TextDecoder;
  try {
    // Fatal, so bytes that do not fit their charset stay encoded instead of gaining U+FFFD.
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    return undefined;
  }
  return (bytes) => {
    try {
      return decoder.decode(bytes);
    } catch {
      return undefined;
    }
  };
}
