import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Logger } from '../../ports/logger.js';
import { mailText } from './mail-text.js';

/** An SMTP reply: a code and its text, which starts with the enhanced status code (RFC 3463). */
export interface SmtpReply {
  code: number;
  message: string;
}

/** One mail, read, for one accepted recipient. */
export interface InboundMail<R> {
  recipient: R;
  /** The address the SMTP client connected from. */
  clientIp: string;
  /** Credentials given with AUTH PLAIN or LOGIN, not checked yet: the delivery checks them. */
  login?: { user: string; password: string };
  subject: string;
  text: string;
}

export interface InboundSmtpOptions<R> {
  host: string;
  port: number;
  /** The server's name in its greeting and EHLO reply. */
  name: string;
  /** Largest mail taken with DATA, headers and all; a larger one is refused with 552. */
  maxBytes: number;
  /** How long `close` lets open sessions finish before it ends them with 421. */
  closeTimeoutMs: number;
  /** Whether mail for `address` is taken: what it means, or the refusal of RCPT TO. */
  recipient(address: string): { accept: R } | { refuse: SmtpReply };
  /** Hands one mail on; resolves to the refusal of DATA, or undefined once it was taken. */
  deliver(mail: InboundMail<R>): Promise<SmtpReply | undefined>;
  logger: Logger;
}

export interface InboundSmtpServer {
  /** Where it listens, with port 0 resolved. */
  host: string;
  port: number;
  /** Stops accepting connections and waits for open sessions, at most `closeTimeoutMs`. Idempotent. */
  close(): Promise<void>;
}

/** A failure that is ours, not the client's: the client should try again later. */
const TRY_LATER: SmtpReply = { code: 451, message: '4.3.0 Temporary failure, try again later' };

/**
 * An SMTP server that takes mail for one recipient per transaction (a mail is one publish), reads
 * its subject and text and hands them on. It offers no STARTTLS (there is no certificate for it)
 * and takes AUTH PLAIN and LOGIN over the plain connection, as ntfy's does: the credentials are
 * passed on to be checked like any other, and a client that sends none is anonymous.
 */
export async function startInboundSmtpServer<R>(options: InboundSmtpOptions<R>): Promise<InboundSmtpServer> {
  const { logger } = options;
  const fail = (reply: SmtpReply) => Object.assign(new Error(reply.message), { responseCode: reply.code });
  const server = new SMTPServer({
    name: options.name,
    banner: 'Herald',
    size: options.maxBytes,
    rejectOversized: true,
    maxRecipients: 1,
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: true,
    allowInsecureAuth: true,
    hideSTARTTLS: true,
    disableReverseLookup: true,
    closeTimeout: options.closeTimeoutMs,
    logger: false,
    onAuth(auth, _session, callback) {
      callback(null, { user: { user: auth.username ?? '', password: auth.password ?? '' } });
    },
    onRcptTo(address, session, callback) {
      const verdict = options.recipient(address.address);
      if ('refuse' in verdict) {
        logger.debug({ client: session.remoteAddress, rcpt: address.address, reply: verdict.refuse.code }, 'incoming mail: recipient refused');
        return callback(fail(verdict.refuse));
      }
      callback();
    },
    onData(stream, session, callback) {
      readData(stream, options.maxBytes).then(
        async (raw) => {
          // An oversized mail is refused by the server itself (rejectOversized), whatever we answer.
          if (stream.sizeExceeded) return callback();
          const reply = await receive(raw, session);
          callback(reply ? fail(reply) : null, reply ? undefined : 'OK: published');
        },
        (err: unknown) => {
          logger.warn({ err, client: session.remoteAddress }, 'incoming mail: reading the data failed');
          callback(fail(TRY_LATER));
        },
      );
    },
  });

  async function receive(raw: Buffer, session: SMTPServerSession): Promise<SmtpReply | undefined> {
    const address = session.envelope.rcptTo[0]?.address ?? '';
    const verdict = options.recipient(address);
    if ('refuse' in verdict) return verdict.refuse;
    const { subject, text } = mailText(raw);
    const login = session.user as { user: string; password: string } | undefined;
    try {
      return await options.deliver({ recipient: verdict.accept, clientIp: session.remoteAddress, ...(login ? { login } : {}), subject, text });
    } catch (err) {
      logger.warn({ err, client: session.remoteAddress }, 'incoming mail: could not be published; the sender is told to try again');
      return TRY_LATER;
    }
  }

  // Clients that hang up mid-session or send garbage surface here; they are the client's problem.
  const onError = (err: Error) => logger.debug({ err }, 'incoming mail: connection error');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      server.on('error', onError);
      resolve();
    });
  });
  const bound = server.server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    host: options.host,
    port: bound.port,
    close: () => (closing ??= new Promise<void>((resolve) => server.close(() => resolve()))),
  };
}

/** The DATA bytes, at most `maxBytes` of them kept; the rest is read and dropped so the session goes on. */
function readData(stream: SMTPServerDataStream, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    stream.on('data', (chunk: Buffer) => {
      if (kept + chunk.length > maxBytes) return;
      chunks.push(chunk);
      kept += chunk.length;
    });
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}
