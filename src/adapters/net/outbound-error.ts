/**
 * Why an outbound request to a user-supplied URL did not produce a response.
 * - `scheme`: the URL is malformed or its scheme is not allowed (http without `allowHttp`).
 * - `forbidden_address`: the host is, or resolves to, an address that must not be reached.
 * - `dns`: the host name could not be resolved.
 * - `timeout`: the whole exchange took longer than the configured limit.
 * - `too_large`: the response body exceeded the configured cap.
 * - `tls`: the TLS handshake failed (an untrusted or expired certificate, a wrong name); the
 *   message names it, e.g. `tls: unable to verify the first certificate`.
 * - `network`: anything else on the way (refused, reset).
 */
export type OutboundFailureReason = 'scheme' | 'forbidden_address' | 'dns' | 'timeout' | 'too_large' | 'tls' | 'network';

/**
 * The one error the guarded fetch throws. Providers branch on `reason` (with `instanceof`, never
 * on the message) to decide between retrying and giving up on a target.
 */
export class OutboundRequestError extends Error {
  override readonly name = 'OutboundRequestError';
  readonly reason: OutboundFailureReason;
  /** The host the request was for, without credentials, path or query. */
  readonly host: string;
  /** For `forbidden_address`: the address that was refused. */
  readonly address: string | undefined;

  constructor(
    reason: OutboundFailureReason,
    message: string,
    options: { host: string; address?: string; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.host = options.host;
    this.address = options.address;
  }
}

export function isOutboundRequestError(value: unknown): value is OutboundRequestError {
  return value instanceof OutboundRequestError;
}
