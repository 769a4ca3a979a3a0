import { createHash } from 'node:crypto';

/**
 * A key under which push services replace a still-pending push with a newer one: RFC 8030's
 * `Topic` (at most 32 URL-safe base64 characters), APNs' `apns-collapse-id` (64 bytes) and FCM's
 * collapse key. Any text maps to 32 base64url characters of its SHA-256, so every provider takes
 * it and the parts (say a topic and a sequence ID) never show through to the push service.
 */
export function collapseKeyOf(...parts: readonly string[]): string {
  // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${Buffer.byteLength(part)}:${part}`);
  return hash.digest('base64url').slice(0, 32);
}
