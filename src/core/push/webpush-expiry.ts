import type { DeviceRecord, DeviceStore } from '../../ports/device-store.js';
import type { Logger } from '../../ports/logger.js';
import type { PushRequest, SendResult } from './push-service.js';

export interface WebPushExpiryOptions {
  /** A subscription not renewed for this long gets the warning push; 0: never. */
  warnAfterMs: number;
  /** A subscription not renewed for this long is removed; 0: never. */
  expireAfterMs: number;
}

export interface WebPushExpiryDeps {
  devices: DeviceStore;
  /** PushService.send: the warning goes through the durable pipeline like any push. */
  send(request: PushRequest, actor: string): Promise<SendResult>;
  logger: Logger;
  options: WebPushExpiryOptions;
  /**
   * An active subscription is about to be removed for not being renewed (for event webhooks'
   * `device.invalidated`). Awaited before the removal, so a crash in between repeats the report
   * at the next pass rather than losing it.
   */
  expiring?(device: DeviceRecord): Promise<void>;
}

/** What one pass did. */
export interface WebPushExpiryResult {
  warned: number;
  removed: number;
}

/** The event ntfy's service worker answers by subscribing again (and telling the user if it cannot). */
export const SUBSCRIPTION_EXPIRING_EVENT = 'subscription_expiring';
const ACTOR = 'webpush-expiry';
const PAGE = 500;

/**
 * ntfy's clean-up of browser subscriptions made through `/v1/webpush`: a browser renews its
 * subscription whenever ntfy's web app runs, so one silent for `warnAfterMs` is warned once (its
 * service worker then renews if it still can), and one silent for `expireAfterMs` is removed, as a
 * browser long gone would otherwise be pushed to forever. Devices registered through the push API
 * have their own lifecycle and are left alone.
 *
 * "Warned" is remembered per registration: the warning push's id names the device and its
 * `lastSeenAt`, so a renewal starts a fresh cycle by itself, and another node doing the same
 * pass (or this one again after a crash) hits the push service's idempotency instead of warning
 * twice. The mark in `meta` spares later passes the send call.
 */
export class WebPushExpiry {
  readonly #d: WebPushExpiryDeps;

  constructor(deps: WebPushExpiryDeps) {
    this.#d = deps;
  }

  /** One pass at `now`; idempotent. */
  async run(now: number): Promise<WebPushExpiryResult> {
    const { warnAfterMs, expireAfterMs } = this.#d.options;
    const removed = expireAfterMs > 0 ? await this.#removeExpired(now - expireAfterMs) : 0;
    const warned = warnAfterMs > 0 ? await this.#warnExpiring(now - warnAfterMs, now) : 0;
    if (removed + warned > 0) this.#d.logger.info({ warned, removed }, 'web push subscriptions not renewed: warned or removed');
    return { warned, removed };
  }

  async #removeExpired(seenBefore: number): Promise<number> {
    let removed = 0;
    // Dead ones too: nothing renews them, and they would otherwise wait for device-invalid-retention.
    await this.#eachStale(seenBefore, undefined, async (device) => {
      // A dead one was reported when its token was marked invalid.
      if (device.state === 'active') await this.#d.expiring?.(device);
      if (await this.#d.devices.remove(device.id)) removed++;
    });
    return removed;
  }

  async #warnExpiring(seenBefore: number, now: number): Promise<number> {
    let warned = 0;
    await this.#eachStale(seenBefore, 'active', async (device) => {
      if (device.meta.expiry_warned_for === device.lastSeenAt) return;
      const result = await this.#d.send({
        id: `wpx_${device.id}_${device.lastSeenAt}`,
        to: { devices: [device.id] },
        notification: {},
        overrides: { webpush: { payload: { event: SUBSCRIPTION_EXPIRING_EVENT } } },
        // ntfy sends every Web Push as high: iOS drops the others.
        priority: 'high',
      }, ACTOR);
      if (result.created) warned++;
      // Renewed meanwhile? Then the mark names an older registration and means nothing.
      await this.#d.devices.update(device.id, { meta: { ...device.meta, expiry_warned_for: device.lastSeenAt } }, now);
    });
    return warned;
  }

  /** Browser subscriptions of the topics face last registered before `seenBefore`, page by page. */
  async #eachStale(seenBefore: number, state: 'active' | undefined, visit: (device: DeviceRecord) => Promise<void>): Promise<void> {
    let cursor: string | undefined;
    do {
      const page = await this.#d.devices.list({ provider: 'webpush', seenBefore, limit: PAGE, ...(state ? { state } : {}), ...(cursor ? { cursor } : {}) });
      for (const device of page.devices) if (device.meta.source === 'topics') await visit(device);
      cursor = page.nextCursor;
    } while (cursor);
  }
}
