import type { AuthService } from '../auth/auth-service.js';
import { ANONYMOUS, type Principal } from '../auth/principal.js';
import type { DeviceStore } from '../../ports/device-store.js';

/**
 * After an access change: browsers subscribed to topics through `/v1/webpush` keep only the
 * topics their user may still read, and a subscription left with none (or whose user is gone)
 * is removed, just as an open stream that lost read access is closed. Returns how many
 * subscriptions changed.
 */
export async function revokeWebPushTopics(devices: DeviceStore, auth: AuthService, now: () => number): Promise<number> {
  let changed = 0;
  let cursor: string | undefined;
  do {
    const page = await devices.list({ provider: 'webpush', limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const device of page.devices) {
      if (device.meta.source !== 'topics') continue;
      const userId = typeof device.meta.ntfy_user_id === 'string' ? device.meta.ntfy_user_id : null;
      const principal: Principal | undefined = userId === null ? ANONYMOUS : await auth.refresh({ userId, name: '', role: 'user' });
      const readable: string[] = [];
      if (principal) for (const topic of device.topics) if (await auth.allowed(principal, [topic], 'read')) readable.push(topic);
      if (readable.length === device.topics.length) continue;
      changed++;
      if (readable.length === 0) await devices.remove(device.id);
      else await devices.setTopics(device.id, readable, 'set', now());
    }
    cursor = page.nextCursor;
  } while (cursor);
  return changed;
}
