import { Worker } from 'node:worker_threads';
import type { Clock } from '../../../ports/clock.js';
import type { Logger } from '../../../ports/logger.js';
import type { Outcome } from '../../../ports/provider.js';
import type { EncodedPush, PushContent, PushSender, PushTarget } from '../../../ports/push-sender.js';
import { createSender, type SenderSpec } from '../sender-factory.js';
import type { FromSenderThread, ToSenderThread } from './messages.js';

interface ThreadEncoded extends EncodedPush {
  readonly key: number;
  readonly content: PushContent;
}

/**
 * A provider sender whose connections live in a worker thread. HTTP/2 and TLS work is most of
 * what a delivery costs the CPU; in a thread of its own it runs beside the queue and ledger work
 * of the main thread instead of taking turns with it. `encode` stays on the calling thread (it
 * is what refuses an oversized push with a 400, synchronously, at accept time); `send` ships the
 * content and targets over and resolves with the thread's outcomes.
 *
 * A thread that dies is started again; the sends it held resolve as `retry`, so the deliveries
 * go back to the queue rather than being lost.
 */
export class ThreadedSender implements PushSender {
  readonly provider: PushSender['provider'];
  readonly app: string;
  readonly #spec: SenderSpec;
  readonly #local: PushSender;
  readonly #logger: Logger;
  #worker: Worker | undefined;
  readonly #pending = new Map<number, { targets: number; resolve: (outcomes: Outcome[]) => void }>();
  #nextId = 1;
  #nextKey = 1;
  #closing: Promise<void> | undefined;

  constructor(spec: SenderSpec, clock: Clock, logger: Logger) {
    this.#spec = spec;
    this.provider = spec.provider;
    this.app = spec.options.app;
    // Senders connect on first send, so this one, used only to encode, never opens a connection.
    this.#local = createSender(spec, clock, logger);
    this.#logger = logger;
  }

  encode(content: PushContent): ThreadEncoded {
    const local = this.#local.encode(content);
    return { provider: local.provider, bytes: local.bytes, key: this.#nextKey++, content };
  }

  send(push: EncodedPush, targets: readonly PushTarget[]): Promise<Outcome[]> {
    const encoded = push as ThreadEncoded;
    if (this.#closing) return Promise.resolve(targets.map(() => ({ kind: 'retry', reason: 'closed' })));
    if (encoded.key === undefined || encoded.content === undefined) {
      return Promise.resolve(targets.map(() => ({ kind: 'rejected', reason: 'encoded by another sender' })));
    }
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, { targets: targets.length, resolve });
      const message: ToSenderThread = { op: 'send', id, key: encoded.key, content: encoded.content, targets: [...targets] };
      this.#thread().postMessage(message);
    });
  }

  close(): Promise<void> {
    return (this.#closing ??= (async () => {
      const worker = this.#worker;
      if (!worker) return;
      await new Promise<void>((resolve) => {
        const done = setTimeout(() => void worker.terminate().then(() => resolve()), 5000);
        done.unref();
        worker.once('exit', () => {
          clearTimeout(done);
          resolve();
        });
        worker.on('message', (m: FromSenderThread) => m.op === 'closed' && void worker.terminate());
        worker.postMessage({ op: 'close' } satisfies ToSenderThread);
      });
      this.#failPending('closed');
    })());
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL('./sender-thread.js', import.meta.url), { workerData: this.#spec });
    worker.on('message', (m: FromSenderThread) => {
      if (m.op === 'outcomes') {
        const pending = this.#pending.get(m.id);
        this.#pending.delete(m.id);
        pending?.resolve(m.outcomes);
      } else if (m.op === 'log') {
        this.#logger[m.level](m.fields, m.msg);
      }
    });
    worker.on('error', (err) => this.#logger.error({ err, provider: this.provider, app: this.app }, 'sender thread failed'));
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#worker = undefined;
      if (!this.#closing) {
        this.#logger.error({ code, provider: this.provider, app: this.app }, 'sender thread exited; it starts again with the next send');
        this.#failPending('sender thread exited');
      }
    });
    // A thread with nothing in flight must not keep the process alive.
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  #failPending(reason: string): void {
    for (const [id, p] of this.#pending) {
      this.#pending.delete(id);
      p.resolve(Array.from({ length: p.targets }, () => ({ kind: 'retry', reason })));
    }
  }
}
