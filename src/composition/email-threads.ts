import { Worker } from 'node:worker_threads';
import type { SmtpSenderOptions } from '../adapters/providers/smtp/sender.js';
import type { FromEmailThread, ToEmailThread } from './email-thread.js';
import type { Logger } from '../ports/logger.js';
import type { EmailMessage, EmailSender } from '../ports/notify-channels.js';
import type { Outcome } from '../ports/provider.js';

/**
 * Part of the composition root: an EmailSender whose SMTP pool lives in a worker thread
 * (email-thread.ts). A thread that dies answers its open sends with `retry` (the queue sends them
 * again) and is started anew on the next send.
 */
export function threadedEmailSender(options: Omit<SmtpSenderOptions, 'logger'>, logger: Logger): EmailSender {
  const pending = new Map<number, (outcome: Outcome) => void>();
  let next = 0;
  let worker: Worker | undefined;
  let closing: Promise<void> | undefined;

  const failAll = (reason: string) => {
    for (const resolve of pending.values()) resolve({ kind: 'retry', reason });
    pending.clear();
  };
  const start = (): Worker => {
    const w = new Worker(new URL('./email-thread.js', import.meta.url), { workerData: options });
    w.on('message', (m: FromEmailThread) => {
      if (m.op === 'outcome') {
        pending.get(m.id)?.(m.outcome);
        pending.delete(m.id);
      } else {
        logger[m.level](m.fields, m.msg);
      }
    });
    w.on('error', (err) => logger.error({ err }, 'e-mail thread failed'));
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      if (!closing) logger.error({ code }, 'e-mail thread exited');
      failAll('the e-mail thread exited');
    });
    // Idle, the thread must not keep the process alive; open sends do (their timers are in the thread).
    w.unref();
    return w;
  };

  return {
    send(message: EmailMessage): Promise<Outcome> {
      if (closing) return Promise.resolve({ kind: 'retry', reason: 'closed' });
      worker ??= start();
      const id = ++next;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        worker!.postMessage({ op: 'send', id, message } satisfies ToEmailThread);
      });
    },
    close(): Promise<void> {
      closing ??= (async () => {
        const w = worker;
        if (!w) return;
        const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
        w.postMessage({ op: 'close' } satisfies ToEmailThread);
        // A relay that never answers must not hold shutdown forever.
        const timer = setTimeout(() => void w.terminate(), 10_000);
        timer.unref();
        await exited;
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}
