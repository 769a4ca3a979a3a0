import { HeraldError } from '../../errors/index.js';

/**
 * The events an app backend may subscribe to. Push delivery outcomes are the ledger's final
 * states (and the app's own delivered/interacted reports); `retrying` and `queued` are left out on
 * purpose: they are steps, not outcomes, and a flaky provider would flood the receiver with them.
 * Notify channel states are the final ones of src/core/notify/channel-rows.ts.
 */
export const PUSH_DELIVERY_EVENTS = {
  sent: 'push.delivery.sent',
  failed: 'push.delivery.failed',
  invalid_token: 'push.delivery.invalid_token',
  dead: 'push.delivery.dead',
  expired: 'push.delivery.expired',
  delivered: 'push.delivery.delivered',
  interacted: 'push.delivery.interacted',
} as const;

export const DEVICE_INVALIDATED = 'device.invalidated';

export const NOTIFY_CHANNEL_STATES = ['sent', 'delivered', 'failed', 'suppressed', 'unavailable', 'timeout', 'expired', 'cancelled'] as const;

export const EVENT_TYPES: readonly string[] = [
  ...Object.values(PUSH_DELIVERY_EVENTS),
  DEVICE_INVALIDATED,
  ...NOTIFY_CHANNEL_STATES.map((s) => `notify.channel.${s}`),
];

/** Subscribes to every event type, including ones added later. */
export const ALL_EVENTS = '*';

/** The push delivery state's event type, if that state is one an endpoint can hear about. */
export function pushDeliveryEvent(state: string): string | undefined {
  return (PUSH_DELIVERY_EVENTS as Record<string, string>)[state];
}

/** The notify channel state's event type, if that state is one an endpoint can hear about. */
export function notifyChannelEvent(state: string): string | undefined {
  return (NOTIFY_CHANNEL_STATES as readonly string[]).includes(state) ? `notify.channel.${state}` : undefined;
}

/** Checks a subscription list: known types, or `*` alone; duplicates dropped, order kept. */
export function parseEventTypes(types: readonly string[]): string[] {
  if (types.length === 0) throw new HeraldError('badRequest', { detail: 'events: at least one event type is required' });
  const out = [...new Set(types)];
  if (out.includes(ALL_EVENTS)) {
    if (out.length > 1) throw new HeraldError('badRequest', { detail: `events: '*' already covers every type; give it alone` });
    return out;
  }
  for (const t of out) {
    if (!EVENT_TYPES.includes(t)) throw new HeraldError('badRequest', { detail: `events: unknown event type '${t}'; known: ${EVENT_TYPES.join(', ')}, or '*'` });
  }
  return out;
}
