import http from 'node:http';
import https from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { Outcome } from '../../../ports/provider.js';
import type { SmsMessage, SmsSender } from '../../../ports/notify-channels.js';
import { isE164 } from '../../../util/sms.js';
import { twilioOutcome, twilioTransportOutcome, type TwilioResponse, type TwilioTransportFailure } from './outcomes.js';

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

/** Gateway answers are a few kilobytes; a megabyte is not one. */
const MAX_ANSWER_BYTES = 1024 * 1024;

class TransportError extends Error {
  constructor(readonly reason: TwilioTransportFailure) {
    super(reason);
  }
}

/**
 * Sends SMS through a Twilio-compatible Messages API: `POST {base}/2010-04-01/Accounts/{sid}/Messages.json`
 * with a form body, HTTP Basic auth, over keep-alive connections. Each answer maps to an outcome
 * through the table in outcomes.ts.
 */
export function createTwilioSender(options: TwilioSenderOptions): SmsSender {
  const base = (options.baseUrl ?? DEFAULT_TWILIO_BASE_URL).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(`${base}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`);
  } catch {
    throw new Error('sms: the base URL is not a valid URL');
  }
  const isHttps = url.protocol === 'https:';
  if (!isHttps && !(url.protocol === 'http:' && options.allowHttp)) {
    throw new Error(`sms: the base URL must be https${options.allowHttp ? ' or http' : ''}, got ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') throw new Error('sms: put the credentials in accountSid/authToken, not in the base URL');
  if (options.accountSid === '') throw new Error('sms: accountSid is required');
  if (options.authToken === '') throw new Error('sms: authToken is required');
  const messagingServiceSid = options.messagingServiceSid || undefined;
  const from = options.from || undefined;
  if (messagingServiceSid === undefined && from === undefined) throw new Error('sms: set a From number or a Messaging Service SID');

  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxSockets = options.maxSockets ?? 16;
  const agentOptions = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' as const };
  const agent = isHttps
    ? new https.Agent({
        ...agentOptions,
        // Built once: parsing the root store per connection would be slow.
        ...(options.ca !== undefined ? { secureContext: createSecureContext({ ca: [...rootCertificates, options.ca] }) } : {}),
      })
    : new http.Agent(agentOptions);
  // Computed once and kept out of every message and error this module produces.
  const authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  let closed = false;

  function post(form: string): Promise<TwilioResponse> {
    const payload = Buffer.from(form);
    return new Promise<TwilioResponse>((resolve, reject) => {
      let done = false;
      const fail = (reason: TwilioTransportFailure): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        req.destroy();
        reject(new TransportError(reason));
      };
      const timer = setTimeout(() => fail('timeout'), timeoutMs);
      const req = (isHttps ? https : http).request(url, {
        method: 'POST',
        agent,
        headers: {
          authorization,
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
          'content-length': String(payload.length),
          'user-agent': 'Herald',
        },
      });
      // The error itself may name the host, never the credentials; it is dropped anyway, only
      // its class survives as the outcome's reason.
      req.on('error', () => fail(closed ? 'closed' : 'network'));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) fail('network');
          else chunks.push(chunk);
        });
        res.on('error', () => fail('network'));
        res.on('close', () => {
          if (!res.complete) fail('network');
        });
        res.on('end', () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          const retryAfter = res.headers['retry-after'];
          resolve({
            status: res.statusCode ?? 0,
            body: parseBody(Buffer.concat(chunks).toString('utf8')),
            ...(retryAfter !== undefined ? { retryAfter } : {}),
          });
        });
      });
      req.end(payload);
    });
  }

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
        return twilioOutcome(await post(form.toString()));
      } catch (err) {
        return twilioTransportOutcome(err instanceof TransportError ? err.reason : 'network');
      }
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      agent.destroy();
    },
  };
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
