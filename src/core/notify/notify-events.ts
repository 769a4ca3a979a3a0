import type { ChannelDeliveryRecord, ChannelState, NotifyChannel } from '../../ports/notify-store.js';

/** What the engine reports as channel deliveries reach a state; the metrics adapter listens. */
export interface NotifyEvents {
  channel(channel: NotifyChannel, state: ChannelState): void;
  /** The whole row just written, for event webhooks (optional; returns at once while no endpoint listens). Never throws. */
  row?(row: ChannelDeliveryRecord): void;
  /**
   * Rows about to be written, before the write: resolves once what must survive a crash is durable
   * (event webhooks queue their messages here, since a repeated job skips rows already final, and
   * would not report them again). Rejecting fails the write, and the job is retried.
   */
  writing?(rows: readonly ChannelDeliveryRecord[]): Promise<void>;
}

export const noNotifyEvents: NotifyEvents = { channel() {} };
