import type { Hub } from '../hub/hub.js';
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
