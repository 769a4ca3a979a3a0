import type { FastifyInstance } from 'fastify';
import { startInboundSmtpServer, type InboundMail, type InboundSmtpServer, type SmtpReply } from '../adapters/smtp-server/inbound-smtp-server.js';
import type { Config } from '../config/index.js';
import { topicForAddress } from '../core/topics/email-address.js';
import type { Logger } from '../ports/logger.js';

/**
 * Largest mail taken, headers, encodings and all: far more than the text a message keeps (which
 * is cut to `message-size-limit`), so that ordinary mail with a logo or a signature still fits.
 */
const MIN_MAIL_BYTES = 1024 * 1024;

/** Refuses what ntfy refuses at start: an SMTP listener without a domain to take mail for. */
export function checkEmailPublishing(config: Config): void {
  if (config.smtpServerListen !== '' && config.smtpServerDomain.trim() === '') {
    throw new Error('smtp-server-listen is set, so smtp-server-domain must be set too (the domain mail to topics is addressed to)');
  }
}

interface Recipient {
  topic: string;
  token?: string;
}

/**
 * Publishing by e-mail (ntfy's `smtp-server-*`): an SMTP listener whose mail to
 * `<prefix><topic>[+<token>]@<domain>` is published to the topic, subject as title, text as message.
 * Each mail goes through the HTTP publish route itself (in-process, as a request from the SMTP
 * client's address), so access control, rate limits, visitor quotas and size rules are the ones
 * every publish meets, and cannot drift from them. Undefined when `smtp-server-listen` is empty.
 */
export async function startEmailPublishing(config: Config, app: FastifyInstance, listen: { host: string; port: number }, logger: Logger): Promise<InboundSmtpServer | undefined> {
  if (config.smtpServerListen === '') return undefined;
  const mailbox = { domain: config.smtpServerDomain.trim(), prefix: config.smtpServerAddrPrefix };
  const server = await startInboundSmtpServer<Recipient>({
    ...listen,
    name: mailbox.domain,
    maxBytes: Math.max(MIN_MAIL_BYTES, 4 * config.messageSizeLimit),
    closeTimeoutMs: Math.min(5000, config.shutdownTimeout / 2),
    logger,
    recipient(address) {
      const found = topicForAddress(address, mailbox);
      if ('topic' in found) return { accept: found };
      return {
        refuse: found.refused === 'domain'
          ? { code: 550, message: `5.7.1 Relaying denied: this server takes mail for ${mailbox.domain} only` }
          : { code: 550, message: `5.1.1 No such mailbox: topics are written ${mailbox.prefix}<topic>@${mailbox.domain}` },
      };
    },
    deliver: (mail) => publishMail(config, app, mail),
  });
  logger.info({ listen: `${server.host}:${server.port}`, domain: mailbox.domain, ...(mailbox.prefix ? { prefix: mailbox.prefix } : {}) }, 'e-mail publishing listening');
  return server;
}

async function publishMail(config: Config, app: FastifyInstance, mail: InboundMail<Recipient>): Promise<SmtpReply | undefined> {
  // A subject alone is the message, not the title of an empty one (ntfy does the same).
  const [title, text] = mail.text === '' ? ['', mail.subject] : [mail.subject, mail.text];
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
  const { token } = mail.recipient;
  if (token) headers.authorization = `Bearer ${token}`;
  else if (mail.login) headers.authorization = `Basic ${Buffer.from(`${mail.login.user}:${mail.login.password}`).toString('base64')}`;
  // Behind a proxy the visitor's address is read from the forwarded header; this is that address.
  if (config.behindProxy) headers[config.proxyForwardedHeader.toLowerCase()] = mail.clientIp;
  const response = await app.inject({
    method: 'POST',
    // The title goes in the query: a header could not carry every character a subject has.
    url: `/${mail.recipient.topic}${title ? `?title=${encodeURIComponent(title)}` : ''}`,
    headers,
    payload: messageBody(text, config.messageSizeLimit),
    remoteAddress: mail.clientIp,
  });
  return replyForPublish(response.statusCode, response.body);
}

/**
 * The text as a message body: cut (at a character boundary) below the size at which a body would
 * be taken for an attachment, as ntfy cuts mail to its message size limit.
 */
function messageBody(text: string, limit: number): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length < limit) return bytes;
  let end = limit - 1;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

/**
 * How the publish's HTTP answer is told to the mail's sender: refusals that will not change are
 * permanent (5xx), limits that reset and our own failures are temporary (4xx), so the sending
 * server tries again later. The text carries Herald's error and code, as the HTTP body does.
 */
export function replyForPublish(status: number, body: string): SmtpReply | undefined {
  if (status >= 200 && status < 300) return undefined;
  let detail = `HTTP ${status}`;
  try {
    const parsed = JSON.parse(body) as { code?: unknown; error?: unknown };
    if (typeof parsed.error === 'string') detail = typeof parsed.code === 'number' ? `${parsed.error} (${parsed.code})` : parsed.error;
  } catch {
    // Not Herald's error shape: the status says enough.
  }
  const [code, enhanced] = status === 401 ? [550, '5.7.8']
    : status === 403 ? [550, '5.7.1']
    : status === 413 ? [552, '5.3.4']
    : status === 429 ? [451, '4.7.1']
    : status === 507 ? [452, '4.3.1']
    : status < 500 ? [550, '5.6.0']
    : [451, '4.3.0'];
  return { code, message: `${enhanced} ${detail}` };
}
