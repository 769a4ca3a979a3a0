import { HeraldError } from '../../errors/index.js';

export type PushProvider = 'apns' | 'fcm' | 'hms' | 'webpush';
export const PUSH_PROVIDERS: readonly PushProvider[] = ['apns', 'fcm', 'hms', 'webpush'];

export interface WebPushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

const HEX_TOKEN = /^[0-9a-fA-F]{64,200}$/;
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;
const MAX_TOKEN = 4096;

/**
 * Checks a device token the way its provider will, so a bad token is a 400 at registration rather
 * than a failed send later. Returns the token as stored (APNs tokens lowercased).
 */
export interface TokenRules {
  /** Whether a Web Push endpoint points at an allowed push service (https, allowlisted host). */
  webPushEndpoint?: (endpoint: string) => boolean;
}

export function validateDeviceToken(provider: PushProvider, token: unknown, rules: TokenRules = {}): { token: string; keys: WebPushSubscription['keys'] | null } {
  if (provider === 'webpush') {
    const sub = token as Partial<WebPushSubscription> | null;
    if (typeof sub !== 'object' || sub === null || typeof sub.endpoint !== 'string' || typeof sub.keys !== 'object' || sub.keys === null) {
      throw invalid('a Web Push token is {"endpoint": "https://…", "keys": {"p256dh": "…", "auth": "…"}}');
    }
    let url: URL;
    try {
      url = new URL(sub.endpoint);
    } catch {
      throw invalid('the Web Push endpoint is not a URL');
    }
    if (rules.webPushEndpoint ? !rules.webPushEndpoint(sub.endpoint) : url.protocol !== 'https:') {
      throw invalid('the Web Push endpoint must be an https URL of a known push service');
    }
    if (sub.endpoint.length > MAX_TOKEN) throw invalid(`the Web Push endpoint is longer than ${MAX_TOKEN} characters`);
    const { p256dh, auth } = sub.keys as { p256dh?: unknown; auth?: unknown };
    if (typeof p256dh !== 'string' || !BASE64URL.test(p256dh) || decodedLength(p256dh) !== 65) throw invalid('keys.p256dh must be a base64url 65-byte P-256 public key');
    if (typeof auth !== 'string' || !BASE64URL.test(auth) || decodedLength(auth) !== 16) throw invalid('keys.auth must be a base64url 16-byte secret');
    return { token: sub.endpoint, keys: { p256dh, auth } };
  }
  if (typeof token !== 'string' || token.trim() === '') throw invalid(`a ${provider} token must be a non-empty string`);
  if (provider === 'apns') {
    if (!HEX_TOKEN.test(token)) throw invalid('an APNs device token is 64 or more hexadecimal characters');
    return { token: token.toLowerCase(), keys: null };
  }
  if (token.length > MAX_TOKEN) throw invalid(`a ${provider} token is at most ${MAX_TOKEN} characters`);
  return { token, keys: null };
}

function decodedLength(b64: string): number {
  return Buffer.from(b64.replace(/=+$/, ''), 'base64url').length;
}

function invalid(detail: string): HeraldError {
  return new HeraldError('deviceTokenInvalid', { detail });
}
