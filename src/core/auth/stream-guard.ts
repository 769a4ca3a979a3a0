import type { Hub, LiveSubscriber } from '../hub/hub.js';
import type { AuthService } from './auth-service.js';

/**
 * Ends the live subscriptions whose subscriber may no longer read every topic they listen to
 * (user deleted, token revoked, ACL changed). Returns how many were closed.
 */
export async function closeRevokedSubscriptions(hub: Hub, auth: AuthService): Promise<number> {
  let closed = 0;
  for (const subscriber of hub.all()) {
    if (!subscriber.principal) continue;
    const principal = await auth.refresh(subscriber.principal);
    if (principal && (await auth.allowed(principal, subscriber.topics, 'read'))) continue;
    hub.remove(subscriber);
    subscriber.close();
    closed++;
  }
  return closed;
}

/**
 * Ends the live subscriptions opened with a user token that has expired since. Expiry changes
 * nothing in the auth store, so no access-change signal announces it: a timer calls this. A
 * token extended meanwhile keeps its stream, and is not looked up again before its new expiry.
 */
export class TokenExpiryGuard {
  readonly #extended = new WeakMap<LiveSubscriber, number>();

  async closeExpired(hub: Hub, auth: AuthService, now: number): Promise<number> {
    let closed = 0;
    for (const subscriber of hub.all()) {
      const expiresAt = this.#extended.get(subscriber) ?? subscriber.principal?.expiresAt;
      if (expiresAt === undefined || expiresAt > now) continue;
      const principal = await auth.refresh(subscriber.principal!);
      if (principal && (await auth.allowed(principal, subscriber.topics, 'read'))) {
        this.#extended.set(subscriber, principal.expiresAt ?? Infinity);
        continue;
      }
      hub.remove(subscriber);
      subscriber.close();
      closed++;
    }
    return closed;
  }
}

/** A live stream outside the hub, opened with a credential that can be revoked or can expire. */
export interface GuardedStream {
  /** True while the credential that opened the stream still allows it. */
  stillAllowed(): Promise<boolean>;
  /** Ends the stream from the server side. */
  close(): void;
}

/**
 * The streams that are not topic subscriptions (the notify inbox), re-checked by the same access
 * change signal as the hub's ({@link closeRevokedSubscriptions}). They are also re-checked on a
 * timer, since keys and tokens expire (a rotated-out key at the end of its overlap) and the CLI
 * revokes keys from another process. Streams whose credential cannot be revoked (subscriber
 * tokens) are not registered, so the timer's work stays with the few opened by keys and users.
 */
export class GuardedStreams {
  readonly #streams = new Set<GuardedStream>();

  /** Registers a stream; the returned function unregisters it (call it when the stream ends). */
  add(stream: GuardedStream): () => void {
    this.#streams.add(stream);
    return () => this.#streams.delete(stream);
  }

  /** Closes every stream whose credential no longer allows it; returns how many. */
  async closeRevoked(): Promise<number> {
    let closed = 0;
    for (const stream of [...this.#streams]) {
      if (!this.#streams.has(stream) || (await stream.stillAllowed())) continue;
      this.#streams.delete(stream);
      stream.close();
      closed++;
    }
    return closed;
  }
}
