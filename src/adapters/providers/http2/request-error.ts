/**
 * Why a request got no response: `connect` (no session could be opened within the wait),
 * `timeout` (no complete response in time), `reset` (the stream or connection broke after the
 * request was sent), `goaway` (the peer shut the session down after accepting the stream, so
 * it may or may not have acted on it), `closed` (the pool was closed), `aborted` (the caller's
 * signal aborted before the request was handed to a connection: it never reached the peer).
 */
export type Http2FailureKind = 'connect' | 'timeout' | 'reset' | 'goaway' | 'closed' | 'aborted';

export class Http2RequestError extends Error {
  override readonly name = 'Http2RequestError';
  readonly kind: Http2FailureKind;

  constructor(kind: Http2FailureKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }
}
