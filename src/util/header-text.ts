import { TextDecoder } from 'node:util';
import { decodeRfc2047 } from './rfc2047.js';

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const HIGH_LATIN1 = /[\x80-\xff]/;
const BEYOND_LATIN1 = /[^\x00-\xff]/;

/**
 * The text a client meant by a header value. Node hands header bytes over one byte per
 * character (Latin-1), but curl, ntfy's CLI and most scripts send UTF-8 bytes as they are
 * (`-H "Title: Grüße"`, `-H "Filename: 文件.txt"`), and ntfy reads them as UTF-8. So a value
 * whose bytes form valid UTF-8 is read as UTF-8; anything else stays Latin-1, as before. RFC
 * 2047 encoded words are decoded after that.
 */
export function headerText(value: string): string {
  if (HIGH_LATIN1.test(value) && !BEYOND_LATIN1.test(value)) {
    try {
      return decodeRfc2047(STRICT_UTF8.decode(Buffer.from(value, 'latin1')));
    } catch {
      // Not UTF-8: a genuine Latin-1 value such as "caf\xe9".
    }
  }
  return decodeRfc2047(value);
}
