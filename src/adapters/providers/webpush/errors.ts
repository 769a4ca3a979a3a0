/**
 * Local to Web Push: these are programming or configuration faults (bad keys, oversized
 * payloads) that callers validate for before sending, so they stay out of the HeraldError
 * registry and the caller maps them to its own API error.
 */
export type WebPushErrorReason =
  | 'bad_key'
  | 'payload_too_large'
  | 'bad_record_size'
  | 'decrypt_failed'
  | 'bad_subject'
  | 'bad_endpoint'
  | 'bad_option'
  | 'bad_header';

export class WebPushError extends Error {
  override readonly name = 'WebPushError';
  constructor(
    readonly reason: WebPushErrorReason,
    message: string,
  ) {
    super(message);
  }
}

/** Strict base64url: Buffer.from(…, 'base64url') silently skips junk, which would hide a truncated key. */
export function decodeBase64Url(value: string, what: string): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]*={0,2}$/.test(value)) {
    throw new WebPushError('bad_key', `${what} is not base64url`);
  }
  return Buffer.from(value, 'base64url');
}
