import type { Bus } from '../../ports/bus.js';
import type { Logger } from '../../ports/logger.js';
import type { Hub } from '../hub/hub.js';
import type { AuthService } from './auth-service.js';
import { closeRevokedSubscriptions, type GuardedStreams } from './stream-guard.js';

export interface AccessChangesDeps {
  bus: Bus;
  hub: Hub;
  /** Absent when the topics face runs without accounts: then only the guarded streams are re-checked. */
  auth: AuthService | undefined;
  guardedStreams: GuardedStreams;
  logger: Logger;
}

/**
 * Access changes and the stream closes they cause, on every node.
 *
 * A node whose API changed a user, token, key or access rule {@link announce}s it on the bus
 * (`access.changed`). Every node, that one included, then forgets the password checks it
 * remembers and re-checks the streams connected to it: the hub's topic subscriptions and the
 * guarded inbox streams. The durable consequences of a change (narrowing Web Push subscriptions
 * in the device store) are the announcing node's business, done once, not here.
 *
 * Changes made outside every node's API (the CLI writing to the account database) are found by
 * each node's own poll of the auth store's change counter, which calls {@link recheck} directly:
 * every node polls the same store, so announcing what it found would only repeat the work.
 */
export class AccessChanges {
  readonly #d: AccessChangesDeps;

  constructor(deps: AccessChangesDeps) {
    this.#d = deps;
    deps.bus.subscribe('access.changed', () => this.recheck());
  }

  /** Tells every node, this one included, to re-check its streams. */
  announce(reason: string): Promise<void> {
    return this.#d.bus.publish('access.changed', { reason });
  }

  /** This node's part of an access change: cached password checks dropped, open streams re-checked. */
  recheck(): void {
    const { auth, hub, logger } = this.#d;
    auth?.forgetVerified();
    void this.closeRevokedStreams();
    if (!auth) return;
    closeRevokedSubscriptions(hub, auth).then(
      (n) => n > 0 && logger.info({ closed: n }, 'subscriptions closed after an access change'),
      (err: unknown) => logger.error({ err }, 'access re-check failed'),
    );
  }

  /** Closes this node's inbox streams whose key or user lost access (also run on a timer, for expiry). */
  closeRevokedStreams(): Promise<void> {
    const { guardedStreams, logger } = this.#d;
    return guardedStreams.closeRevoked().then(
      (n) => void (n > 0 && logger.info({ closed: n }, 'inbox streams closed: their key or user lost access')),
      (err: unknown) => logger.error({ err }, 'inbox stream access re-check failed'),
    );
  }
}
