/** What the publish pipeline needs to know of the configuration (mapped from Config in main.ts). */
export interface PublishOptions {
  baseUrl: string;
  /** Cache lifetime in ms; 0 means messages are not cached. */
  cacheDurationMs: number;
  attachmentsEnabled: boolean;
  attachmentFileSizeLimit: number;
  attachmentTotalSizeLimit: number;
  attachmentExpiryMs: number;
  messageSizeLimit: number;
  messageDelayMinMs: number;
  messageDelayMaxMs: number;
  emailEnabled: boolean;
  /** Phone calls (`X-Call`) are configured: Twilio voice and Verify, and an account database. Default off. */
  callsEnabled?: boolean;
  disallowedTopics: readonly string[];
}
