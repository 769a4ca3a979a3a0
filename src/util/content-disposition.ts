/**
 * Characters dropped from a download name: C0/C1 controls cannot travel in a header, and the
 * bidirectional overrides let a name display as something else (`txt.exe` shown as `exe.txt`).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** A surrogate without its partner: not a character, and `encodeURIComponent` throws on it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * `Content-Disposition: attachment` for a file name (RFC 6266). `filename` carries a printable
 * ASCII version every client can read (other characters become `_`); when that is not the name
 * itself, `filename*` carries the name as UTF-8 (RFC 8187), which current clients prefer. The
 * header is pure ASCII whatever the name, so it can always be written.
 */
export function attachmentDisposition(name: string, fallback = 'attachment'): string {
  const clean = name.replace(LONE_SURROGATE, '\ufffd').replace(UNSAFE, '').trim() || fallback;
  const ascii = clean.replace(/[^\x20-\x7e]/gu, '_').replace(/["\\]/g, '_');
  if (ascii === clean) return `attachment; filename="${ascii}"`;
  return `attachment; filename="${ascii}"; filename*=UTF-8''${rfc8187(clean)}`;
}

/** Percent-encodes all but RFC 8187's attr-chars (encodeURIComponent also spares `'()*`). */
function rfc8187(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
