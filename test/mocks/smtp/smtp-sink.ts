import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerError, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { testCertificate } from '../tls.js';

/**
 * A real SMTP server (the `smtp-server` package) that accepts mail and keeps it for the test to
 * read: optional AUTH PLAIN/LOGIN checking one user, optional STARTTLS with the test certificate
 * (or implicit TLS), per-recipient scripted refusals, and connection counting so a test can see
 * how many connections a pooled client really opened at once.
 */
export interface SmtpSinkOptions {
  /** Require AUTH with exactly these credentials. */
  auth?: { user: string; pass: string };
  /** Offer STARTTLS with the certificate of test/mocks/tls.ts. */
  tls?: boolean;
  /** Implicit TLS (SMTPS) with the same certificate instead. */
  secure?: boolean;
  /**
   * Called for every RCPT TO; an answer with a code of 400 or more refuses that recipient with
   * exactly `${code} ${message}` (e.g. 550 and `5.1.1 No such user`), nothing accepts it.
   */
  script?: (rcpt: string) => { code: number; message: string } | undefined;
  /** Keep each message's bytes (default true). Off for benchmarks: then messages are only counted. */
  keep?: boolean;
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface SunkMessage {
  from: string;
  to: string[];
  raw: Buffer;
  /** The connection was TLS (STARTTLS or implicit) when the message came. */
  secure: boolean;
  /** Who authenticated on the connection, if anyone. */
  user: string | undefined;
}

export interface AuthAttempt {
  method: string;
  user: string | undefined;
  ok: boolean;
}

export interface SmtpSink {
  host: string;
  port: number;
  /** The trust root a client needs when `tls` or `secure` is set. */
  ca: string | undefined;
  messages: SunkMessage[];
  authAttempts: AuthAttempt[];
  /** Messages accepted so far (also when `keep` is off). */
  count(): number;
  /** Connections open right now. */
  connections(): number;
  /** The most connections that were ever open at once. */
  maxConcurrentConnections(): number;
  /** Connections opened in total. */
  totalConnections(): number;
  close(): Promise<void>;
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const keep = options.keep ?? true;
  const useTls = options.tls === true || options.secure === true;
  const cert = useTls ? testCertificate() : undefined;
  const messages: SunkMessage[] = [];
  const authAttempts: AuthAttempt[] = [];
  let accepted = 0;
  let open = 0;
  let maxOpen = 0;
  let total = 0;

  const refusal = (code: number, message: string): SMTPServerError => Object.assign(new Error(message), { responseCode: code });

  const serverOptions: SMTPServerOptions = {
    name: 'sink.herald.test',
    banner: 'Herald SMTP sink',
    logger: false,
    disableReverseLookup: true,
    // Replies are sent exactly as scripted; the script writes its own enhanced codes.
    hideENHANCEDSTATUSCODES: true,
    size: 25 * 1024 * 1024,
    closeTimeout: 1_000,
    secure: options.secure === true,
    ...(cert ? { key: cert.key, cert: cert.cert } : {}),
    disabledCommands: [...(options.auth ? [] : ['AUTH']), ...(useTls ? [] : ['STARTTLS'])],
    authOptional: options.auth === undefined,
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: !useTls,

    onConnect(_session, callback) {
      open += 1;
      total += 1;
      maxOpen = Math.max(maxOpen, open);
      callback();
    },
    onClose() {
      open -= 1;
    },

    onAuth(auth, _session, callback) {
      const ok = options.auth !== undefined && auth.username === options.auth.user && auth.password === options.auth.pass;
      authAttempts.push({ method: auth.method, user: auth.username, ok });
      if (!ok) return callback(refusal(535, '5.7.8 Authentication credentials invalid'));
      callback(null, { user: auth.username });
    },

    onRcptTo(address, _session, callback) {
      const answer = options.script?.(address.address);
      if (answer && answer.code >= 400) return callback(refusal(answer.code, answer.message));
      callback();
    },

    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        if (keep) chunks.push(chunk);
      });
      stream.on('end', () => {
        if (stream.sizeExceeded) return callback(refusal(552, '5.3.4 Message too big'));
        accepted += 1;
        if (keep) {
          messages.push({
            from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks),
            secure: session.secure,
            user: typeof session.user === 'string' ? session.user : undefined,
          });
        }
        callback(null, `2.0.0 Ok: queued as ${accepted}`);
      });
    },
  };

  const server = new SMTPServer(serverOptions);
  // A client dropping its connection surfaces here; it is the client's business, not the sink's.
  server.on('error', () => {});
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    host,
    port,
    ca: cert?.cert,
    messages,
    authAttempts,
    count: () => accepted,
    connections: () => open,
    maxConcurrentConnections: () => maxOpen,
    totalConnections: () => total,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
