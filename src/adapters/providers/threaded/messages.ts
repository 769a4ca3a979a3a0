import type { Outcome } from '../../../ports/provider.js';
import type { PushContent, PushTarget } from '../../../ports/push-sender.js';

/** Main thread → sender thread. */
export type ToSenderThread =
  /** `key` names one encoding of `content`; the thread encodes it once and reuses it for later sends with the same key. */
  | { op: 'send'; id: number; key: number; content: PushContent; targets: PushTarget[] }
  | { op: 'close' };

/** Sender thread → main thread. */
export type FromSenderThread =
  | { op: 'outcomes'; id: number; outcomes: Outcome[] }
  | { op: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; fields: Record<string, unknown>; msg: string }
  | { op: 'closed' };
