import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { PushSender } from '../../ports/push-sender.js';
import { createApnsSender, type ApnsSenderOptions } from './apns/sender.js';
import { createFcmSender, type FcmSenderOptions } from './fcm/sender.js';
import { createHmsSender, type HmsSenderOptions } from './hms/sender.js';
import { createWebPushSender, type WebPushSenderOptions } from './webpush/sender.js';

type Plain<T> = Omit<T, 'clock' | 'logger'>;

/**
 * Everything needed to build one provider sender, as plain data: it can be handed to a worker
 * thread, which builds the same sender there (clock and logger are supplied on each side).
 */
export type SenderSpec =
  | { provider: 'apns'; options: Plain<ApnsSenderOptions> }
  | { provider: 'fcm'; options: Plain<FcmSenderOptions> }
  | { provider: 'hms'; options: Plain<HmsSenderOptions> }
  | { provider: 'webpush'; options: Plain<WebPushSenderOptions> };

export function createSender(spec: SenderSpec, clock: Clock, logger: Logger): PushSender {
  switch (spec.provider) {
    case 'apns':
      return createApnsSender({ ...spec.options, clock, logger });
    case 'fcm':
      return createFcmSender({ ...spec.options, clock, logger });
    case 'hms':
      return createHmsSender({ ...spec.options, clock, logger });
    case 'webpush':
      return createWebPushSender({ ...spec.options, clock, logger });
  }
}
