/**
 * The e-mail thread: the SMTP connection pool, off the main thread. Part of the composition root
 * (beside main.ts). nodemailer's message building and socket writes cost about as much CPU per
 * mail as everything else Herald does for it; here they get an event loop of their own, so
 * neither slows the other's replies.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createSmtpSender, type SmtpSenderOptions } from '../adapters/providers/smtp/sender.js';
import type { EmailMessage } from '../ports/notify-channels.js';
import type { Outcome } from '../ports/provider.js';
import { threadLogger, type ThreadLogLine } from './thread-logger.js';

export type ToEmailThread = { op: 'send'; id: number; message: EmailMessage } | { op: 'close' };
export type FromEmailThread = { op: 'outcome'; id: number; outcome: Outcome } | ThreadLogLine;

const port = parentPort!;
const post = (message: FromEmailThread) => port.postMessage(message);
const sender = createSmtpSender({ ...(workerData as Omit<SmtpSenderOptions, 'logger'>), logger: threadLogger(post) });

port.on('message', (m: ToEmailThread) => {
  if (m.op === 'send') {
    // send never throws: every answer, a dead relay included, is an outcome.
    void sender.send(m.message).then((outcome) => post({ op: 'outcome', id: m.id, outcome }));
  } else {
    void sender.close().then(() => port.close());
  }
});
