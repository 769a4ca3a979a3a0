import type { Outcome } from '../../../ports/provider.js';
import type { SmsMessage, SmsSender } from '../../../ports/notify-channels.js';
import { isE164 } from '../../../util/sms.js';
import { twilioOutcome, twilioTransportOutcome } from './outcomes.js';
import { createTwilioHttp, twilioEndpoint, TwilioTransportError } from './twilio-http.js';

export const DEFAULT_TWILIO_BASE_URL = 'https://api.twilio.com';
/** Twilio refuses longer bodies (21617). */
export const TWILIO_MAX_BODY_CHARS = 1600;

export interface TwilioSenderOptions {
  /** Default https://api.twilio.com; any Twilio-compatible Messages API (operator config, not user input). */
  baseUrl?: string;
  accountSid: string;
  authToken: string;
  /** The sender number (E.164), alphanumeric sender id or short code. */
  from?: string;
  /** A Messaging Service picks the sender from its pool; used instead of `from` when both are set. */
  messagingServiceSid?: string;
  /** Per request, connect to last byte. Default 15 s. */
  timeoutMs?: number;
  /** Extra CA certificates (PEM) trusted besides the well-known roots, e.g. a private gateway's. */
  ca?: string;
  /** Permit an http: base URL (tests, a gateway on a trusted local network). Off by default. */
  allowHttp?: boolean;
  /** Open connections at most; more requests wait for a free one. Default 16. */
  maxSockets?: number;
}

/**
 * Sends SMS through a Twilio-compatible Messages API: `POST {base}/2010-04-01/Accounts/{sid}/Messages.json`
 * with a form body, HTTP Basic auth, over keep-alive connections. Each answer maps to an outcome
 * through the table in outcomes.ts.
 */
export function createTwilioSender(options: TwilioSenderOptions): SmsSender {
  const url = twilioEndpoint(options.baseUrl ?? DEFAULT_TWILIO_BASE_URL, `/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`, 'sms', options.allowHttp);
  if (options.accountSid === '') throw new Error('sms: accountSid is required');
  if (options.authToken === '') throw new Error('sms: authToken is required');
  const messagingServiceSid = options.messagingServiceSid || undefined;
  const from = options.from || undefined;
  if (messagingServiceSid === undefined && from === undefined) throw new Error('sms: set a From number or a Messaging Service SID');
  const client = createTwilioHttp({
    accountSid: options.accountSid,
    authToken: options.authToken,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
    ...(options.maxSockets !== undefined ? { maxSockets: options.maxSockets } : {}),
  });
  let closed = false;

  return {
    async send(message: SmsMessage): Promise<Outcome> {
      if (closed) return twilioTransportOutcome('closed');
      // The gateway would say 21211; saying it here saves a request and keeps junk off the wire.
      if (!isE164(message.to)) return { kind: 'invalid_token', reason: 'not_e164' };
      if (message.body === '') return { kind: 'rejected', reason: 'empty_body' };
      if (message.body.length > TWILIO_MAX_BODY_CHARS && [...message.body].length > TWILIO_MAX_BODY_CHARS) return { kind: 'rejected', reason: 'body_too_long' };

      const form = new URLSearchParams();
      form.set('To', message.to);
      if (messagingServiceSid !== undefined) form.set('MessagingServiceSid', messagingServiceSid);
      else form.set('From', from!);
      form.set('Body', message.body);
      if (message.statusCallback !== undefined) form.set('StatusCallback', message.statusCallback);

      try {
        return twilioOutcome(await client.post(url, form));
      } catch (err) {
        return twilioTransportOutcome(err instanceof TwilioTransportError ? err.reason : 'network');
      }
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
}
