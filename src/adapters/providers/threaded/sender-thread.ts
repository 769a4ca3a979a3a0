import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../../../ports/clock.js';
import type { Logger } from '../../../ports/logger.js';
import type { EncodedPush } from '../../../ports/push-sender.js';
import { createSender, type SenderSpec } from '../sender-factory.js';
import type { FromSenderThread, ToSenderThread } from './messages.js';

/**
 * The sender thread: one provider app's real sender, its connections and its encoding work, off the
 * main thread. It is driven by messages from threaded-sender.ts and answers each send with its
 * outcomes; log lines travel back to the main thread's logger.
 */
const port = parentPort!;
const post = (message: FromSenderThread) => port.postMessage(message);
const log = (level: 'debug' | 'info' | 'warn' | 'error') => (fields: object, msg = '') =>
  post({ op: 'log', level, fields: plainFields(fields), msg });
const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
const sender = createSender(workerData as SenderSpec, systemClock, logger);

/** Encodings by the main thread's key; a broadcast sends one encoding many times. */
const encodings = new Map<number, EncodedPush>();
const CACHE_SIZE = 256;

port.on('message', (message: ToSenderThread) => {
  if (message.op === 'close') {
    void sender.close().then(() => post({ op: 'closed' }));
    return;
  }
  let encoded = encodings.get(message.key);
  if (!encoded) {
    try {
      encoded = sender.encode(message.content);
    } catch (err) {
      // The main thread encoded the same content before sending, so this is not expected.
      const reason = `encode failed in the sender thread: ${err instanceof Error ? err.message : String(err)}`;
      post({ op: 'outcomes', id: message.id, outcomes: message.targets.map(() => ({ kind: 'rejected', reason })) });
      return;
    }
    encodings.set(message.key, encoded);
    if (encodings.size > CACHE_SIZE) encodings.delete(encodings.keys().next().value as number);
  }
  sender.send(encoded, message.targets).then(
    (outcomes) => post({ op: 'outcomes', id: message.id, outcomes }),
    (err: unknown) => post({ op: 'outcomes', id: message.id, outcomes: message.targets.map(() => ({ kind: 'retry', reason: `sender failed: ${err instanceof Error ? err.message : String(err)}` })) }),
  );
});

/** Errors and other objects do not survive structured cloning as they are: keep what a log line needs. */
function plainFields(fields: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? { message: v.message, name: v.name } : v;
  return out;
}
