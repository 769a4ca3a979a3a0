/**
 * Content sniffing for uploaded attachments, after the WHATWG MIME Sniffing Standard as Go's
 * http.DetectContentType applies it (ntfy uses that, so clients see the same `type`), plus a few
 * formats Go leaves out (FLAC, 7z, bzip2, xz, MP3 without ID3, MP4 relatives).
 */

const SNIFF_LENGTH = 512;
const TEXT_UTF8 = 'text/plain; charset=utf-8';

/** A byte pattern at the start of the data; `null` in the pattern matches any byte. */
interface Signature {
  pattern: Array<number | null>;
  type: string;
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const ANY4 = [null, null, null, null];

// First match wins. Like Go, "BM" alone means BMP, so text starting with "BM" is sniffed as an image.
const SIGNATURES: Signature[] = [
  { pattern: ascii('%PDF-'), type: 'application/pdf' },
  { pattern: ascii('%!PS-Adobe-'), type: 'application/postscript' },
  { pattern: [0xfe, 0xff], type: 'text/plain; charset=utf-16be' },
  { pattern: [0xff, 0xfe], type: 'text/plain; charset=utf-16le' },
  { pattern: [0xef, 0xbb, 0xbf], type: TEXT_UTF8 },
  // Images
  { pattern: [0x00, 0x00, 0x01, 0x00], type: 'image/x-icon' },
  { pattern: [0x00, 0x00, 0x02, 0x00], type: 'image/x-icon' }, // cursor
  { pattern: ascii('BM'), type: 'image/bmp' },
  { pattern: ascii('GIF87a'), type: 'image/gif' },
  { pattern: ascii('GIF89a'), type: 'image/gif' },
  { pattern: [...ascii('RIFF'), ...ANY4, ...ascii('WEBPVP')], type: 'image/webp' },
  { pattern: [0x89, ...ascii('PNG'), 0x0d, 0x0a, 0x1a, 0x0a], type: 'image/png' },
  { pattern: [0xff, 0xd8, 0xff], type: 'image/jpeg' },
  // Audio and video
  { pattern: [...ascii('FORM'), ...ANY4, ...ascii('AIFF')], type: 'audio/aiff' },
  { pattern: ascii('ID3'), type: 'audio/mpeg' },
  { pattern: [...ascii('OggS'), 0x00], type: 'application/ogg' },
  { pattern: [...ascii('MThd'), 0x00, 0x00, 0x00, 0x06], type: 'audio/midi' },
  { pattern: [...ascii('RIFF'), ...ANY4, ...ascii('AVI ')], type: 'video/avi' },
  { pattern: [...ascii('RIFF'), ...ANY4, ...ascii('WAVE')], type: 'audio/wave' },
  { pattern: [0x1a, 0x45, 0xdf, 0xa3], type: 'video/webm' },
  { pattern: ascii('fLaC'), type: 'audio/flac' },
  // Fonts
  { pattern: [0x00, 0x01, 0x00, 0x00], type: 'font/ttf' },
  { pattern: ascii('OTTO'), type: 'font/otf' },
  { pattern: ascii('ttcf'), type: 'font/collection' },
  { pattern: ascii('wOFF'), type: 'font/woff' },
  { pattern: ascii('wOF2'), type: 'font/woff2' },
  // Archives
  { pattern: [0x1f, 0x8b, 0x08], type: 'application/x-gzip' },
  { pattern: [...ascii('PK'), 0x03, 0x04], type: 'application/zip' },
  { pattern: [...ascii('Rar!'), 0x1a, 0x07, 0x00], type: 'application/x-rar-compressed' },
  { pattern: [...ascii('Rar!'), 0x1a, 0x07, 0x01, 0x00], type: 'application/x-rar-compressed' },
  { pattern: [...ascii('7z'), 0xbc, 0xaf, 0x27, 0x1c], type: 'application/x-7z-compressed' },
  // "BZh", the block size digit, then the block magic, so plain text starting "BZh" is not caught.
  { pattern: [...ascii('BZh'), null, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59], type: 'application/x-bzip2' },
  { pattern: [0xfd, ...ascii('7zXZ'), 0x00], type: 'application/x-xz' },
  { pattern: [0x00, ...ascii('asm')], type: 'application/wasm' },
];

// Tags that mark HTML when they open the document (after whitespace), compared case-insensitively
// and only when followed by a space or '>' so that "<Bob>" or "<pre" do not count.
const HTML_TAGS = [
  '<!DOCTYPE HTML', '<HTML', '<HEAD', '<SCRIPT', '<IFRAME', '<H1', '<DIV', '<FONT', '<TABLE', '<A',
  '<STYLE', '<TITLE', '<B', '<BODY', '<BR', '<P', '<!--',
].map(ascii);

// ISO base media brands (the "ftyp" box) that map to a more specific type than video/mp4.
const FTYP_BRANDS: Array<[string, string]> = [
  ['avif', 'image/avif'], ['avis', 'image/avif'],
  ['heic', 'image/heic'], ['heix', 'image/heic'], ['mif1', 'image/heic'],
  ['M4A ', 'audio/mp4'], ['qt  ', 'video/quicktime'],
];

export function sniffContentType(bytes: Uint8Array): string {
  const data = bytes.subarray(0, SNIFF_LENGTH);
  const start = firstNonWhitespace(data);
  if (HTML_TAGS.some((tag) => matchesHtmlTag(data, start, tag))) return 'text/html; charset=utf-8';
  if (matchesAt(data, start, ascii('<?xml'))) return 'text/xml; charset=utf-8';
  for (const sig of SIGNATURES) {
    if (matchesAt(data, 0, sig.pattern)) return sig.type;
  }
  const iso = isoMediaType(data);
  if (iso) return iso;
  if (isMp3Frame(data)) return 'audio/mpeg';
  return data.some(isBinaryByte) ? 'application/octet-stream' : TEXT_UTF8;
}

function firstNonWhitespace(data: Uint8Array): number {
  let i = 0;
  while (i < data.length && (data[i] === 0x09 || data[i] === 0x0a || data[i] === 0x0c || data[i] === 0x0d || data[i] === 0x20)) i++;
  return i;
}

function matchesAt(data: Uint8Array, offset: number, pattern: Array<number | null>): boolean {
  if (data.length < offset + pattern.length) return false;
  return pattern.every((b, i) => b === null || data[offset + i] === b);
}

function matchesHtmlTag(data: Uint8Array, start: number, tag: number[]): boolean {
  if (data.length < start + tag.length + 1) return false;
  for (let i = 0; i < tag.length; i++) {
    let b = data[start + i];
    if (b >= 0x61 && b <= 0x7a) b -= 0x20; // fold a-z to upper case
    if (b !== tag[i]) return false;
  }
  const after = data[start + tag.length];
  return after === 0x20 || after === 0x3e;
}

/** MP4 and relatives: a leading "ftyp" box whose major or compatible brands we recognise. */
function isoMediaType(data: Uint8Array): string | undefined {
  if (data.length < 12 || !matchesAt(data, 4, ascii('ftyp'))) return undefined;
  const boxSize = ((data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3]) >>> 0;
  if (boxSize < 12 || boxSize % 4 !== 0) return undefined;
  const end = Math.min(boxSize, data.length);
  const brands: string[] = [];
  // Offset 12 holds the minor version, not a brand.
  for (let at = 8; at + 4 <= end; at += 4) {
    if (at !== 12) brands.push(String.fromCharCode(...data.subarray(at, at + 4)));
  }
  for (const [brand, type] of FTYP_BRANDS) {
    if (brands[0] === brand) return type;
  }
  if (brands.some((b) => b.startsWith('mp4') || b.startsWith('iso') || b === 'avc1' || b === 'M4V ')) return 'video/mp4';
  return undefined;
}

/** An MPEG-1/2 Layer III frame header without an ID3 tag in front of it. */
function isMp3Frame(data: Uint8Array): boolean {
  if (data.length < 4 || data[0] !== 0xff || (data[1] & 0xe0) !== 0xe0) return false;
  const version = (data[1] >> 3) & 0x03; // 1 is reserved
  const layer = (data[1] >> 1) & 0x03; // 1 is Layer III
  const bitrate = data[2] >> 4; // 0 (free) and 15 (bad) are not worth trusting
  const sampleRate = (data[2] >> 2) & 0x03; // 3 is reserved
  return version !== 1 && layer === 1 && bitrate !== 0 && bitrate !== 15 && sampleRate !== 3;
}

/** The WHATWG "binary data byte": control characters other than TAB, LF, FF, CR and ESC. */
function isBinaryByte(b: number): boolean {
  return b <= 0x08 || b === 0x0b || (b >= 0x0e && b <= 0x1a) || (b >= 0x1c && b <= 0x1f);
}

const EXTENSIONS = new Map<string, string>([
  ['text/plain', '.txt'],
  ['text/html', '.html'],
  ['text/xml', '.xml'],
  ['application/xml', '.xml'],
  ['text/css', '.css'],
  ['text/csv', '.csv'],
  ['text/markdown', '.md'],
  ['application/json', '.json'],
  ['application/pdf', '.pdf'],
  ['application/postscript', '.ps'],
  ['image/png', '.png'],
  ['image/jpeg', '.jpg'],
  ['image/gif', '.gif'],
  ['image/webp', '.webp'],
  ['image/bmp', '.bmp'],
  ['image/x-icon', '.ico'],
  ['image/vnd.microsoft.icon', '.ico'],
  ['image/svg+xml', '.svg'],
  ['image/avif', '.avif'],
  ['image/heic', '.heic'],
  ['audio/mpeg', '.mp3'],
  ['audio/aiff', '.aiff'],
  ['audio/midi', '.mid'],
  ['audio/wave', '.wav'],
  ['audio/wav', '.wav'],
  ['audio/x-wav', '.wav'],
  ['audio/flac', '.flac'],
  ['audio/ogg', '.ogg'],
  ['audio/mp4', '.m4a'],
  ['application/ogg', '.ogg'],
  ['video/avi', '.avi'],
  ['video/x-msvideo', '.avi'],
  ['video/mp4', '.mp4'],
  ['video/webm', '.webm'],
  ['video/quicktime', '.mov'],
  ['font/ttf', '.ttf'],
  ['font/otf', '.otf'],
  ['font/collection', '.ttc'],
  ['font/woff', '.woff'],
  ['font/woff2', '.woff2'],
  ['application/zip', '.zip'],
  ['application/x-gzip', '.gz'],
  ['application/gzip', '.gz'],
  ['application/x-rar-compressed', '.rar'],
  ['application/vnd.rar', '.rar'],
  ['application/x-7z-compressed', '.7z'],
  ['application/x-bzip2', '.bz2'],
  ['application/x-xz', '.xz'],
  ['application/wasm', '.wasm'],
  ['application/octet-stream', '.bin'],
]);

/** The file extension (with its dot) for a MIME type; `.bin` when the type is unknown. */
export function extensionForContentType(type: string): string {
  const essence = type.split(';', 1)[0].trim().toLowerCase();
  return EXTENSIONS.get(essence) ?? '.bin';
}
