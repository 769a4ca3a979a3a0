import { readFile } from 'node:fs/promises';
import type { Config } from '../config/index.js';
import { createSmtpSender } from '../adapters/providers/smtp/sender.js';
import { threadedEmailSender } from './email-threads.js';
import { createTwilioSender } from '../adapters/providers/sms/sender.js';
import { createWebhookSender } from '../adapters/providers/webhook/sender.js';
import type { EmailSender, SmsSender, WebhookSender } from '../ports/notify-channels.js';
import type { Logger } from '../ports/logger.js';

/**
 * Part of the composition root (beside main.ts): the notify channels' senders, each built only
 * when its config is set. A half-made setup (an SMTP relay without a From address, an account
 * SID without its token) stops the server at start, naming the missing key.
 */
export async function notifySenders(config: Config, logger: Logger): Promise<{ email?: EmailSender; sms?: SmsSender; webhook?: WebhookSender }> {
  const out: { email?: EmailSender; sms?: SmsSender; webhook?: WebhookSender } = {};
  if (config.smtpSenderAddr) {
    if (!config.smtpSenderFrom) throw new Error('smtp-sender-from must be set when smtp-sender-addr is');
    const i = config.smtpSenderAddr.lastIndexOf(':');
    const host = i > 0 ? config.smtpSenderAddr.slice(0, i).replace(/^\[|\]$/g, '') : config.smtpSenderAddr;
    const port = i > 0 ? Number(config.smtpSenderAddr.slice(i + 1)) : 25;
    if (!host || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`smtp-sender-addr must be host:port, got ${config.smtpSenderAddr}`);
    const tls = config.smtpSenderTls;
    const options = {
      host, port,
      secure: tls === 'implicit',
      requireTls: tls === 'starttls',
      ignoreTls: tls === 'none',
      ...(config.smtpSenderUser ? { user: config.smtpSenderUser, pass: config.smtpSenderPass } : {}),
      from: config.smtpSenderFrom,
      pool: { maxConnections: config.smtpSenderPool },
      ...(config.smtpSenderCaFile ? { tls: { ca: await read(config.smtpSenderCaFile, 'smtp-sender-ca-file') } } : {}),
    };
    // Built once here so a bad From address stops the server at start, not the thread later.
    await createSmtpSender(options).close();
    out.email = threadedEmailSender(options, logger);
  }
  if (config.twilioAccount) {
    if (!config.twilioAuthToken) throw new Error('twilio-auth-token must be set when twilio-account is');
    if (!config.twilioPhoneNumber && !config.twilioMessagingService) throw new Error('twilio-phone-number or twilio-messaging-service must be set when twilio-account is');
    out.sms = createTwilioSender({
      baseUrl: config.twilioBaseUrl,
      accountSid: config.twilioAccount,
      authToken: config.twilioAuthToken,
      ...(config.twilioPhoneNumber ? { from: config.twilioPhoneNumber } : {}),
      ...(config.twilioMessagingService ? { messagingServiceSid: config.twilioMessagingService } : {}),
      ...(config.twilioCaFile ? { ca: await read(config.twilioCaFile, 'twilio-ca-file') } : {}),
      // An http gateway is the operator's choice in config, not user input.
      allowHttp: config.twilioBaseUrl.startsWith('http:'),
    });
  }
  if (config.webhookSecrets.length > 0) {
    out.webhook = createWebhookSender({
      secrets: config.webhookSecrets,
      guard: {
        allowHttp: config.outboundAllowHttp,
        allowedHosts: config.outboundAllowedHosts,
        ...(config.webhookCaFile ? { ca: await read(config.webhookCaFile, 'webhook-ca-file') } : {}),
      },
      logger,
    });
  }
  return out;
}

async function read(file: string, key: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`${key}: cannot read ${file}: ${(err as Error).message}`);
  }
}
