/** What one visitor may do; from the config, or from a user's tier (tier-limits.ts). */
export interface VisitorLimits {
  /** Where the limits come from: the server's config (callers by address) or the user's tier. */
  basis: 'ip' | 'tier';
  requestBurst: number;
  requestRefillMs: number;
  /** Messages a visitor may publish per UTC day. */
  messagesPerDay: number;
  emailBurst: number;
  emailRefillMs: number;
  /** Phone calls (`X-Call`) a visitor may place per UTC day; 0 without a tier, as in ntfy. */
  callsPerDay: number;
  subscriptions: number;
  attachmentTotalBytes: number;
  attachmentBandwidthPerDay: number;
  /** How long this visitor's messages stay in the cache (0: not cached). */
  messageExpiryMs: number;
  attachmentFileSizeBytes: number;
  attachmentExpiryMs: number;
  /** Topics the visitor's user may reserve; 0 without a tier, as in ntfy. */
  reservations: number;
  authFailureBurst: number;
  authFailureRefillMs: number;
}
