/**
 * Pure SMS helpers: phone number shape and how many segments (billed message parts) a text
 * takes on the wire.
 */

/** E.164: a `+`, then 2 to 15 digits of which the first (the country code's) is not 0. */
export function isE164(s: string): boolean {
  return /^\+[1-9][0-9]{1,14}$/.test(s);
}

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegments {
  /** GSM-7 when every character is in the GSM 03.38 basic set or its extension table. */
  encoding: SmsEncoding;
  /** Message parts the text is split into; 0 for an empty text. */
  segments: number;
  /** Septets for GSM-7 (an extension character costs two), UTF-16 code units for UCS-2. */
  units: number;
}

/**
 * The GSM 03.38 default alphabet, in code order (0x00–0x7F). 0x1B is the escape to the
 * extension table and is not a character of its own, so it stands here as a placeholder
 * that no text can contain.
 */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅå' +
  'Δ_ΦΓΛΩΠΨΣΘΞ\u0000ÆæßÉ' +
  ' !"#¤%&\'()*+,-./' +
  '0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNO' +
  'PQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmno' +
  'pqrstuvwxyzäöñüà';

/** Characters reached through the escape: each takes the escape septet plus its own. */
const GSM_EXTENSION = '\f^{}\\[~]|€';

const BASIC = new Set([...GSM_BASIC].filter((c) => c !== '\u0000'));
const EXTENSION = new Set(GSM_EXTENSION);

/** One segment alone carries 160 septets; in a concatenated message the UDH leaves 153. */
const GSM_SINGLE = 160;
const GSM_MULTI = 153;
/** 140 octets are 70 UTF-16 code units alone, 67 once the UDH is in. */
const UCS2_SINGLE = 70;
const UCS2_MULTI = 67;

/**
 * The encoding, segment count and size of `text` as an SMS. Splitting is greedy and never
 * cuts an escape pair (GSM-7) or a surrogate pair (UCS-2) across two segments, as handsets
 * would otherwise show garbage at the seam; so a segment may end a unit short of full.
 */
export function smsSegments(text: string): SmsSegments {
  // Costs per character (code point): septets, or UTF-16 units.
  const chars = [...text];
  const gsm = chars.every((c) => BASIC.has(c) || EXTENSION.has(c));
  const costs = gsm ? chars.map((c) => (EXTENSION.has(c) ? 2 : 1)) : chars.map((c) => c.length);
  const units = costs.reduce((sum, n) => sum + n, 0);
  const encoding: SmsEncoding = gsm ? 'GSM-7' : 'UCS-2';
  const single = gsm ? GSM_SINGLE : UCS2_SINGLE;
  const multi = gsm ? GSM_MULTI : UCS2_MULTI;

  if (units === 0) return { encoding, segments: 0, units };
  if (units <= single) return { encoding, segments: 1, units };

  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > multi) {
      segments++;
      used = 0;
    }
    used += cost;
  }
  return { encoding, segments, units };
}
