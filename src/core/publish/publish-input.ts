/**
 * A publish request after the HTTP edge has resolved parameter aliases (header first, then the
 * lowercase query name) and decoded RFC 2047 values. Values are raw strings, not yet validated.
 */
export interface PublishInput {
  topic: string;
  body: Uint8Array;
  message?: string;
  title?: string;
  priority?: string;
  tags?: string;
  delay?: string;
  actions?: string;
  click?: string;
  attach?: string;
  filename?: string;
  icon?: string;
  markdown?: string;
  email?: string;
  call?: string;
  cache?: string;
  firebase?: string;
  unifiedPush?: string;
  template?: string;
  pollId?: string;
  /** `X-Sequence-ID`, the JSON `sequence_id`, or the path's `/<topic>/<sequence_id>`: the notification this message updates. */
  sequenceId?: string;
  /** The request's Content-Type header. */
  contentType?: string;
  /** The request's Content-Encoding header (`aes128gcm` marks a UnifiedPush body). */
  contentEncoding?: string;
  /** Already-parsed actions from a JSON publish (skips `actions` string parsing). */
  parsedActions?: unknown;
  /** Already-split tags from a JSON publish. */
  parsedTags?: string[];
  /**
   * The server's own origin as the client addressed it (`http://host:port`), used for
   * attachment URLs when no `base-url` is configured.
   */
  origin?: string;
  /** The sender's visitor key (stored so limits survive a restart; never returned). */
  sender: string;
  /** The logged-in publisher, if any: `X-Call` rings only their verified numbers. */
  user?: { id: string; name: string };
}
