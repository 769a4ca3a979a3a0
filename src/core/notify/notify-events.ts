import type { ChannelDeliveryRecord, ChannelState, NotifyChannel } from '../../ports/notify-store.js';

/** What the engine reports as channel deliveries reach a state; the metrics adapter listens. */
export interface NotifyEvents {
  channel(channel: NotifyChannel, state: ChannelState): void;
  /** The whole row just written, for event webhooks (optional; returns at once while no endpoint listens). Never throws. */
  row?(row: ChannelDeliveryRecord): void;
}

export const noNotifyEvents: NotifyEvents = { channel() {} };
