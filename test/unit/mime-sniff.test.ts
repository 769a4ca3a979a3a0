import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extensionForContentType, sniffContentType } from '../../src/util/mime-sniff.js';

const bytes = (...parts: Array<string | number[]>): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));

/** An ftyp box of the given size with a major brand and compatible brands. */
function ftyp(major: string, ...compatible: string[]): Uint8Array {
  const size = 16 + 4 * compatible.length;
  return bytes([0, 0, 0, size], 'ftyp', major, [0, 0, 2, 0], ...compatible, [0, 0, 0, 8], 'free');
}

const cases: Array<[string, Uint8Array, string]> = [
  ['empty', bytes(''), 'text/plain; charset=utf-8'],
  ['plain ASCII', bytes('Hello, world\n'), 'text/plain; charset=utf-8'],
  ['UTF-8 text', new TextEncoder().encode('Grüße 🎉\r\n\tindented'), 'text/plain; charset=utf-8'],
  ['JSON is text', bytes('{"a": 1}'), 'text/plain; charset=utf-8'],
  ['ESC is not binary', bytes('\x1b[31mred\x1b[0m'), 'text/plain; charset=utf-8'],
  ['NUL is binary', bytes('abc\x00def'), 'application/octet-stream'],
  ['random binary', bytes([0x01, 0x02, 0x03, 0x04]), 'application/octet-stream'],
  ['UTF-8 BOM', bytes([0xef, 0xbb, 0xbf], 'hi'), 'text/plain; charset=utf-8'],
  ['UTF-16BE BOM', bytes([0xfe, 0xff, 0x00, 0x68]), 'text/plain; charset=utf-16be'],
  ['UTF-16LE BOM', bytes([0xff, 0xfe, 0x68, 0x00]), 'text/plain; charset=utf-16le'],
  ['HTML doctype', bytes('<!DOCTYPE html>\n<html>'), 'text/html; charset=utf-8'],
  ['HTML after whitespace, lower case', bytes(' \n\t<html lang="en">'), 'text/html; charset=utf-8'],
  ['HTML body tag', bytes('<BODY>hi'), 'text/html; charset=utf-8'],
  ['HTML comment', bytes('<!-- x -->'), 'text/html; charset=utf-8'],
  ['HTML paragraph', bytes('<p>hello</p>'), 'text/html; charset=utf-8'],
  ['unknown tag is text', bytes('<pre>x</pre>'), 'text/plain; charset=utf-8'],
  ['tag needs a terminator', bytes('<Bob> said hi'), 'text/plain; charset=utf-8'],
  ['tag at the very end is not enough', bytes('<html'), 'text/plain; charset=utf-8'],
  ['XML', bytes('  <?xml version="1.0"?><a/>'), 'text/xml; charset=utf-8'],
  ['PDF', bytes('%PDF-1.7\n'), 'application/pdf'],
  ['PostScript', bytes('%!PS-Adobe-3.0'), 'application/postscript'],
  ['PNG', bytes([0x89], 'PNG\r\n\x1a\n', [0, 0, 0, 13]), 'image/png'],
  ['JPEG', bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF'), 'image/jpeg'],
  ['GIF87a', bytes('GIF87a'), 'image/gif'],
  ['GIF89a', bytes('GIF89a\x01\x00'), 'image/gif'],
  ['WebP', bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 '), 'image/webp'],
  ['BMP', bytes('BM', [0x36, 0, 0, 0]), 'image/bmp'],
  ['ICO', bytes([0, 0, 1, 0, 1, 0]), 'image/x-icon'],
  ['ZIP', bytes('PK\x03\x04', [20, 0]), 'application/zip'],
  ['GZIP', bytes([0x1f, 0x8b, 0x08, 0x00]), 'application/x-gzip'],
  ['RAR 4', bytes('Rar!\x1a\x07\x00'), 'application/x-rar-compressed'],
  ['RAR 5', bytes('Rar!\x1a\x07\x01\x00'), 'application/x-rar-compressed'],
  ['7z', bytes('7z', [0xbc, 0xaf, 0x27, 0x1c, 0, 4]), 'application/x-7z-compressed'],
  ['bzip2', bytes('BZh9', [0x31, 0x41, 0x59, 0x26, 0x53, 0x59]), 'application/x-bzip2'],
  ['"BZh" text is not bzip2', bytes('BZh, that is all'), 'text/plain; charset=utf-8'],
  ['xz', bytes([0xfd], '7zXZ', [0]), 'application/x-xz'],
  ['WASM', bytes([0], 'asm', [1, 0, 0, 0]), 'application/wasm'],
  ['MP3 with ID3', bytes('ID3', [4, 0, 0]), 'audio/mpeg'],
  ['MP3 frame without ID3', bytes([0xff, 0xfb, 0x90, 0x64]), 'audio/mpeg'],
  ['not an MP3 frame (layer bits)', bytes([0xff, 0xf9, 0x90, 0x00]), 'application/octet-stream'],
  ['OGG', bytes('OggS', [0, 2]), 'application/ogg'],
  ['WAV', bytes('RIFF', [0x24, 0, 0, 0], 'WAVEfmt '), 'audio/wave'],
  ['AVI', bytes('RIFF', [0x24, 0, 0, 0], 'AVI LIST'), 'video/avi'],
  ['RIFF of another kind is binary', bytes('RIFF', [0x24, 0, 0, 0], 'XXXX'), 'application/octet-stream'],
  ['AIFF', bytes('FORM', [0, 0, 0, 0], 'AIFF'), 'audio/aiff'],
  ['MIDI', bytes('MThd', [0, 0, 0, 6]), 'audio/midi'],
  ['FLAC', bytes('fLaC', [0, 0, 0, 0x22]), 'audio/flac'],
  ['WebM', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f]), 'video/webm'],
  ['MP4 by major brand', ftyp('mp42', 'isom'), 'video/mp4'],
  ['MP4 by compatible brand', ftyp('XAVC', 'mp41'), 'video/mp4'],
  ['M4A', ftyp('M4A ', 'mp42', 'isom'), 'audio/mp4'],
  ['QuickTime', ftyp('qt  ', 'qt  '), 'video/quicktime'],
  ['AVIF', ftyp('avif', 'mif1', 'miaf'), 'image/avif'],
  ['HEIC', ftyp('heic', 'mif1', 'heic'), 'image/heic'],
  ['ftyp with unknown brands', ftyp('zzzz', 'yyyy'), 'application/octet-stream'],
  ['ftyp with a bad box size', bytes([0, 0, 0, 13], 'ftypmp42', [0, 0, 0, 0], 'mp42'), 'application/octet-stream'],
  ['WOFF2', bytes('wOF2', [0, 1, 0, 0]), 'font/woff2'],
  ['TrueType', bytes([0, 1, 0, 0, 0, 0x0e]), 'font/ttf'],
];

for (const [name, input, expected] of cases) {
  test(`sniffContentType: ${name}`, () => {
    assert.equal(sniffContentType(input), expected);
  });
}

test('sniffContentType looks at the first 512 bytes only', () => {
  const text = new Uint8Array(600).fill(0x61);
  text[550] = 0x00;
  assert.equal(sniffContentType(text), 'text/plain; charset=utf-8');
  text[500] = 0x00;
  assert.equal(sniffContentType(text), 'application/octet-stream');
});

const extensions: Array<[string, string]> = [
  ['image/png', '.png'],
  ['image/jpeg', '.jpg'],
  ['image/gif', '.gif'],
  ['text/plain', '.txt'],
  ['text/plain; charset=utf-8', '.txt'],
  ['TEXT/HTML; charset=UTF-8', '.html'],
  ['application/pdf', '.pdf'],
  ['application/zip', '.zip'],
  ['application/x-gzip', '.gz'],
  ['audio/mpeg', '.mp3'],
  ['video/mp4', '.mp4'],
  ['text/xml; charset=utf-8', '.xml'],
  ['application/octet-stream', '.bin'],
  ['application/x-made-up', '.bin'],
  ['', '.bin'],
];

for (const [type, ext] of extensions) {
  test(`extensionForContentType(${JSON.stringify(type)}) = ${ext}`, () => {
    assert.equal(extensionForContentType(type), ext);
  });
}

test('every sniffed type has a real extension', () => {
  for (const [, , type] of cases) {
    const ext = extensionForContentType(type);
    if (type !== 'application/octet-stream') assert.notEqual(ext, '.bin', type);
  }
});
