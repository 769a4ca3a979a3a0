import { hash } from 'node:crypto';
import type { Provider } from '../../ports/device-store.js';

/**
 * The target key of a raw token (one not in the registry): `tok_` + 22 base64url characters of a
 * SHA-256 over provider, app and token. Keys of registered devices are their ids (`dev_…`), which
 * sort before every `tok_` key: the router creates device deliveries first, then raw tokens.
 */
export function rawTokenTarget(provider: Provider, app: string, token: string): string {
  // The one-shot hash: a Hash object per token was a visible share of routing a big token list.
  return `tok_${hash('sha256', `${provider}\0${app}\0${token}`, 'base64url').slice(0, 22)}`;
}

/**
 * The target key of an FCM or HMS topic or condition: a `tok_` key like a raw token's (it is the
 * caller's own address, outside the registry), hashed with its kind so a topic and a token that
 * happen to be spelled alike stay two deliveries.
 */
export function providerTopicTarget(provider: Provider, app: string, kind: 'topic' | 'condition', value: string): string {
  return rawTokenTarget(provider, app, `${kind}\0${value}`);
}

/** Public id of a delivery: opaque to clients, enough to find it again. */
export function deliveryId(pushSeq: number, target: string): string {
  return `dl_${pushSeq.toString(36)}_${target}`;
}

export function parseDeliveryId(id: string): { pushSeq: number; target: string } | undefined {
  const m = /^dl_([0-9a-z]{1,11})_((?:dev|tok)_[A-Za-z0-9_-]{1,64})$/.exec(id);
  if (!m) return undefined;
  const pushSeq = parseInt(m[1]!, 36);
  return Number.isSafeInteger(pushSeq) && pushSeq > 0 ? { pushSeq, target: m[2]! } : undefined;
}
