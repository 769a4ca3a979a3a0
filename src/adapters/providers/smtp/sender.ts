import { domainToASCII } from 'node:url';
import { createTransport, type SendMailOptions } from 'nodemailer';
import { silentLogger, type Logger } from '../../../ports/logger.js';
import type { EmailMessage, EmailSender } from '../../../ports/notify-channels.js';
import type { Outcome } from '../../../ports/provider.js';
import { unsubscribeHeaders } from './unsubscribe-headers.js';
import { smtpOutcome, type SmtpErrorLike, type SmtpInfoLike } from './outcomes.js';

export interface SmtpSenderOptions {
  host: string;
  port: number;
  /** Implicit TLS from the first byte (SMTPS, usually port 465). */
  secure: boolean;
  /** Insist on STARTTLS when not `secure` (usually port 587): fail rather than talk in the clear. */
  requireTls?: boolean;
  /** Never STARTTLS, even when offered: for a relay on localhost only. */
  ignoreTls?: boolean;
  user?: string;
  pass?: string;
  /** The default From, e.g. `Herald <noreply@example.org>`. */
  from: string;
  pool?: {
    /** Open connections at most. Default 5. */
    maxConnections?: number;
    /** Messages per connection before it is replaced. Default 100. */
    maxMessages?: number;
  };
  tls?: {
    /** Extra trusted CA (PEM), e.g. a private relay's. */
    ca?: string;
    /** Default true. Turning it off is for a relay on localhost only. */
    rejectUnauthorized?: boolean;
  };
  /** The domain of generated Message-IDs. Default: the domain of `from`. */
  messageIdDomain?: string;
  /** Connect and greeting timeout. Default 15 s. */
  connectTimeoutMs?: number;
  /** Inactivity on an open connection before it is dropped. Default 60 s. */
  socketTimeoutMs?: number;
  logger?: Logger;
}

/**
 * Headers the sender itself writes from the message's fields; a caller header may not replace
 * them (a second From or Content-Type would change who the mail is from or how it parses).
 */
const OWN_HEADERS = new Set([
  'from', 'sender', 'to', 'cc', 'bcc', 'subject', 'message-id', 'date', 'return-path',
  'mime-version', 'content-type', 'content-transfer-encoding', 'content-disposition',
]);
/** RFC 5322 §3.6.8 field-name: printable US-ASCII except the colon. */
const FIELD_NAME = /^[!-9;-~]+$/;
/** An addr-spec as nodemailer takes it: no spaces, brackets or list separators; UTF-8 local parts allowed (SMTPUTF8). */
const ADDR_SPEC = /^[^\s@<>(),;:"\\[\]]+@[^\s@<>(),;:"\\[\]]+$/;
/** `Display Name <addr-spec>`, one address only. */
const NAME_ADDR = /^[^<>]*<([^<>]+)>\s*$/;

/**
 * An email channel over SMTP: one pool of persistent connections to the configured relay
 * (nodemailer's pooled transport), one message per recipient, every answer turned into an
 * outcome by the table in outcomes.ts. `send` never throws.
 */
export function createSmtpSender(options: SmtpSenderOptions): EmailSender {
  const logger = options.logger ?? silentLogger;
  const relay = `${options.host}:${options.port}`;
  const defaultFrom = addressOf(options.from);
  if (defaultFrom === undefined) throw new Error('smtp: the From address is not an address');
  const idDomain = messageIdDomain(options.messageIdDomain ?? defaultFrom.slice(defaultFrom.lastIndexOf('@') + 1));
  const redact = redactor(options.user, options.pass);
  const hasAuth = options.user !== undefined && options.user !== '';
  if (hasAuth && !options.secure && !options.requireTls) {
    logger.warn({ relay }, 'smtp: credentials configured without secure or requireTls; they are sent in the clear if the relay offers no STARTTLS');
  }

  const transport = createTransport({
    pool: true,
    host: options.host,
    port: options.port,
    secure: options.secure,
    requireTLS: !options.secure && options.requireTls === true,
    ignoreTLS: !options.secure && options.ignoreTls === true,
    ...(hasAuth ? { auth: { user: options.user, pass: options.pass ?? '' } } : {}),
    maxConnections: options.pool?.maxConnections ?? 5,
    maxMessages: options.pool?.maxMessages ?? 100,
    tls: {
      minVersion: 'TLSv1.2',
      rejectUnauthorized: options.tls?.rejectUnauthorized ?? true,
      ...(options.tls?.ca !== undefined ? { ca: options.tls.ca } : {}),
    },
    connectionTimeout: options.connectTimeoutMs ?? 15_000,
    greetingTimeout: options.connectTimeoutMs ?? 15_000,
    socketTimeout: options.socketTimeoutMs ?? 60_000,
    // nodemailer's own logging would see the AUTH exchange; we log outcomes ourselves.
    logger: false,
    debug: false,
    disableFileAccess: true,
    disableUrlAccess: true,
  });

  const inFlight = new Set<Promise<unknown>>();
  let closed = false;
  let closing: Promise<void> | undefined;
  /** Set while the relay cannot be reached, so a dead relay is logged once, not per message. */
  let unreachable = false;

  function note(outcome: Outcome): void {
    const connectionFailure = outcome.kind === 'retry' && outcome.status === undefined;
    if (connectionFailure && !unreachable) logger.warn({ relay, reason: outcome.reason }, 'smtp: relay unreachable');
    if (!connectionFailure && unreachable) logger.info({ relay }, 'smtp: relay reachable again');
    unreachable = connectionFailure;
    if (outcome.kind === 'rejected' && (outcome.status === 535 || outcome.status === 530)) {
      logger.error({ relay, status: outcome.status, reason: outcome.reason }, 'smtp: the relay refuses our credentials');
    } else if (outcome.kind !== 'ok' && !connectionFailure) {
      logger.debug({ relay, outcome: outcome.kind, status: outcome.status, reason: outcome.reason }, 'smtp: not accepted');
    }
  }

  async function deliver(mail: SendMailOptions): Promise<Outcome> {
    try {
      const info = await transport.sendMail(mail);
      return smtpOutcome(info as SmtpInfoLike);
    } catch (err) {
      return smtpOutcome(errorLike(err));
    }
  }

  return {
    async send(message: EmailMessage): Promise<Outcome> {
      if (closed) return { kind: 'retry', reason: 'closed' };
      const built = buildMail(message, options.from, idDomain);
      if ('kind' in built) return built;
      const pending = deliver(built);
      inFlight.add(pending);
      try {
        const outcome = redactOutcome(await pending, redact);
        note(outcome);
        return outcome;
      } finally {
        inFlight.delete(pending);
      }
    },

    close(): Promise<void> {
      closing ??= (async () => {
        closed = true;
        // Sends already accepted finish (the socket timeout bounds them); closing the pool first
        // would fail the ones still waiting for a connection.
        await Promise.allSettled([...inFlight]);
        transport.close();
      })();
      return closing;
    },
  };
}

/** The nodemailer message for one EmailMessage, or the outcome that stops it before any I/O. */
export function buildMail(message: EmailMessage, defaultFrom: string, idDomain: string): SendMailOptions | Outcome {
  const to = addressOf(message.to);
  // An address that cannot even be written in an envelope never becomes deliverable.
  if (to === undefined) return { kind: 'invalid_token', reason: 'address_syntax' };
  const fromText = message.from ?? defaultFrom;
  const from = addressOf(fromText);
  if (from === undefined) return { kind: 'rejected', reason: 'from_syntax' };
  if (/[\r\n]/.test(message.subject)) return { kind: 'rejected', reason: 'subject_line_break' };

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (!FIELD_NAME.test(name)) return { kind: 'rejected', reason: 'header_name' };
    if (OWN_HEADERS.has(name.toLowerCase())) return { kind: 'rejected', reason: 'header_not_allowed' };
    if (/[\r\n]/.test(value)) return { kind: 'rejected', reason: 'header_line_break' };
    headers[name] = value;
  }
  if (message.unsubscribeUrl !== undefined) {
    // One-click (RFC 8058) needs an https link; a plain-http one still gets the RFC 2369 header.
    if (message.unsubscribeUrl.startsWith('https:')) Object.assign(headers, unsubscribeHeaders(message.unsubscribeUrl));
    else headers['List-Unsubscribe'] = `<${message.unsubscribeUrl.replace(/,/g, '%2C')}>`;
  }

  return {
    from: fromText,
    to: message.to,
    // One message, one recipient, whatever the header text says.
    envelope: { from, to: [to] },
    subject: message.subject,
    text: message.text,
    ...(message.html !== undefined ? { html: message.html } : {}),
    headers,
    ...(message.id !== undefined && message.id !== '' ? { messageId: messageIdFor(message.id, idDomain) } : {}),
  };
}

/** The addr-spec of `a@b` or `Name <a@b>`; undefined for anything else (lists, groups, line breaks). */
export function addressOf(text: string): string | undefined {
  const trimmed = text.trim();
  if (/[\r\n]/.test(trimmed)) return undefined;
  if (ADDR_SPEC.test(trimmed)) return trimmed;
  const m = NAME_ADDR.exec(trimmed);
  const inner = m?.[1]?.trim();
  return inner !== undefined && ADDR_SPEC.test(inner) ? inner : undefined;
}

/**
 * `<id@domain>`, the same for every attempt of one delivery. Characters outside RFC 5322 atext
 * (and `=` and `.`, to keep the mapping one-to-one and the dot-atom valid) become `=XX`.
 */
export function messageIdFor(id: string, domain: string): string {
  const local = Array.from(id)
    .map((ch) => (/^[A-Za-z0-9!#$%&'*+/?^_`{|}~-]$/.test(ch) ? ch : [...Buffer.from(ch, 'utf8')].map((b) => `=${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')))
    .join('');
  return `<${local}@${domain}>`;
}

function messageIdDomain(domain: string): string {
  const ascii = domainToASCII(domain.trim().replace(/^\[|\]$/g, ''));
  if (ascii === '' || !/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(ascii)) throw new Error('smtp: the Message-ID domain is not a domain');
  return ascii.toLowerCase();
}

/** The parts of a thrown value the outcome table reads; anything else is dropped, never logged raw. */
function errorLike(err: unknown): SmtpErrorLike {
  if (typeof err !== 'object' || err === null) return {};
  const e = err as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const rejectedErrors = Array.isArray(e.rejectedErrors) ? e.rejectedErrors.map(errorLike) : undefined;
  return {
    code: str(e.code),
    originalCode: str(e.originalCode),
    responseCode: typeof e.responseCode === 'number' ? e.responseCode : undefined,
    response: str(e.response),
    ...(rejectedErrors ? { rejectedErrors } : {}),
  };
}

/** Removes the password, and the base64 forms AUTH PLAIN and LOGIN send it in, from any text. */
function redactor(user: string | undefined, pass: string | undefined): (text: string) => string {
  if (pass === undefined || pass === '') return (text) => text;
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const secrets = [b64(`\0${user ?? ''}\0${pass}`), b64(`${user ?? ''}\0${user ?? ''}\0${pass}`), b64(pass), pass]
    .map((s) => s.replace(/=+$/, ''))
    .filter((s) => s !== '')
    .sort((a, b) => b.length - a.length);
  return (text) => secrets.reduce((t, secret) => t.split(secret).join('[redacted]'), text);
}

function redactOutcome(outcome: Outcome, redact: (text: string) => string): Outcome {
  if (outcome.kind === 'ok' || outcome.reason === undefined) return outcome;
  return { ...outcome, reason: redact(outcome.reason) };
}
