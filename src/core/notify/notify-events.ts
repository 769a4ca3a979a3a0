import type { ChannelState, NotifyChannel } from '../../ports/notify-store.js';

/** What the engine reports as channel deliveries reach a state; the metrics adapter listens. */
export interface NotifyEvents {
  channel(channel: NotifyChannel, state: ChannelState): void;
}

export const noNotifyEvents: NotifyEvents = { channel() {} };
