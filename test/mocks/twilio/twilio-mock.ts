/**
 * A Twilio Messages API stand-in over plain HTTP: `POST /2010-04-01/Accounts/{sid}/Messages.json`
 * with HTTP Basic auth and a form body, checked the way Twilio checks it and answered with
 * Twilio's message resource or error JSON. It can then play the gateway's part in delivery
 * reports: POST a signed status callback to the message's StatusCallback URL.
 *
 * The signing here is the mock's own code, so tests of Herald's verifier are not circular.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { smsSegments } from '../../../src/util/sms.js';
import { createVoiceVerifyApi, type TwilioCall, type TwilioVerification } from './voice-verify-api.js';

export { spokenText, type TwilioCall, type TwilioVerification } from './voice-verify-api.js';

/** A scripted answer for a request to one `To` number, given instead of the normal processing. */
export interface TwilioScriptedAnswer {
  status: number;
  /** Twilio error code for the JSON error body; omit for a bare HTTP error page. */
  code?: number;
  message?: string;
  retryAfter?: string;
  /** Wait this long before answering. */
  delayMs?: number;
}

export interface TwilioMockOptions {
  port?: number;
  accountSid?: string;
  authToken?: string;
  /** Senders the account owns; others get 21606. Default: any From is accepted. */
  fromNumbers?: readonly string[];
  /** Messaging Services the account owns; others get 21705. Default: any. */
  messagingServiceSids?: readonly string[];
  /** The account's Verify service (`VA…`); other service SIDs get 404. Default: a random one. */
  verifyServiceSid?: string;
}

export interface RecordedTwilioRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  /** The decoded form; repeated fields keep their last value. */
  form: Record<string, string>;
  /** The raw body as sent. */
  raw: string;
  /** The client's port: the same on requests that shared a kept-alive connection. */
  remotePort: number | undefined;
}

export interface TwilioMessage {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  statusCallback: string | undefined;
  numSegments: number;
}

export interface TwilioCallbackResult {
  status: number;
  /** The form that was posted. */
  form: Record<string, string>;
  signature: string;
}

export interface TwilioMock {
  url: string;
  accountSid: string;
  authToken: string;
  /** Every request that reached the server, authenticated or not. */
  requests: RecordedTwilioRequest[];
  /** Messages created (201), by SID. */
  messages: Map<string, TwilioMessage>;
  /** The Verify service SID the mock answers for. */
  verifyServiceSid: string;
  /** Calls created (201), by SID, with what each would speak. */
  calls: Map<string, TwilioCall>;
  /** Verifications per number (the open or the last one). */
  verifications: Map<string, TwilioVerification>;
  /** The code of the number's open verification: what the SMS or call would tell its owner. */
  verificationCode(to: string): string | undefined;
  /** Ages a number's verification past Twilio's ten minutes. */
  expireVerification(to: string): void;
  /** Queue answers for a `To` number, one per request; then it is handled normally again. */
  script(to: string, ...answers: TwilioScriptedAnswer[]): void;
  /** POST a signed status callback for a created message to its StatusCallback URL. */
  deliver(sid: string, status: string, errorCode?: string): Promise<TwilioCallbackResult>;
  close(): Promise<void>;
}

const E164 = /^\+[1-9]\d{1,14}$/;

function sid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

/** Twilio's X-Twilio-Signature, written here independently of Herald's verifier. */
export function mockTwilioSignature(authToken: string, url: string, form: Record<string, string>): string {
  const data = Object.keys(form)
    .sort()
    .reduce((acc, name) => acc + name + form[name], url);
  return createHmac('sha1', Buffer.from(authToken, 'utf8')).update(Buffer.from(data, 'utf8')).digest('base64');
}

export async function startTwilioMock(options: TwilioMockOptions = {}): Promise<TwilioMock> {
  const accountSid = options.accountSid ?? sid('AC');
  const authToken = options.authToken ?? randomBytes(16).toString('hex');
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const messagesPath = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
  const requests: RecordedTwilioRequest[] = [];
  const messages = new Map<string, TwilioMessage>();
  const scripts = new Map<string, TwilioScriptedAnswer[]>();
  const verifyServiceSid = options.verifyServiceSid ?? sid('VA');

  function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  function error(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
    json(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, headers);
  }

  const voice = createVoiceVerifyApi({ accountSid, verifyServiceSid, ...(options.fromNumbers ? { fromNumbers: options.fromNumbers } : {}), now: () => Date.now() }, { json, error });

  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const contentType = req.headers['content-type'];
    const form = contentType?.startsWith('application/x-www-form-urlencoded') ? Object.fromEntries(new URLSearchParams(raw)) : {};
    requests.push({ method: req.method ?? '', path, authorization: req.headers.authorization, contentType, form, raw, remotePort: req.socket.remotePort });

    if (req.headers.authorization !== expectedAuth) {
      return error(res, 401, 20003, 'Authenticate', { 'www-authenticate': 'Basic realm="Twilio API"' });
    }
    if (path !== messagesPath && !voice.handles(path)) return error(res, 404, 20404, `The requested resource ${path} was not found`);
    if (req.method !== 'POST') return error(res, 405, 20004, 'Method not allowed');
    if (!contentType?.startsWith('application/x-www-form-urlencoded')) return error(res, 400, 21601, 'Unsupported content type');

    const to = form.To;
    const answers = to === undefined ? undefined : scripts.get(to);
    const scripted = answers?.shift();
    if (answers && answers.length === 0) scripts.delete(to!);
    if (scripted) {
      const go = (): void => {
        const headers: Record<string, string> = scripted.retryAfter !== undefined ? { 'retry-after': scripted.retryAfter } : {};
        if (scripted.code === undefined) {
          res.writeHead(scripted.status, { 'content-type': 'text/html', ...headers });
          res.end('<html><body>error</body></html>');
        } else error(res, scripted.status, scripted.code, scripted.message ?? 'scripted error', headers);
      };
      if (scripted.delayMs) setTimeout(go, scripted.delayMs);
      else go();
      return;
    }

    if (path !== messagesPath) return voice.handle(path, form, res);
    if (to === undefined || to === '') return error(res, 400, 21604, "A 'To' phone number is required.");
    if (!E164.test(to)) return error(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    const from = form.From;
    const service = form.MessagingServiceSid;
    if (!from && !service) return error(res, 400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message.");
    if (service && options.messagingServiceSids && !options.messagingServiceSids.includes(service)) {
      return error(res, 400, 21705, 'The Messaging Service Sid is invalid.');
    }
    if (!service && from && options.fromNumbers && !options.fromNumbers.includes(from)) {
      return error(res, 400, 21606, `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`);
    }
    const body = form.Body;
    if (body === undefined || body === '') return error(res, 400, 21602, 'Message body is required.');
    if ([...body].length > 1600) return error(res, 400, 21617, 'The concatenated message body exceeds the 1600 character limit.');

    const message: TwilioMessage = {
      sid: sid('SM'),
      to,
      from: service ? null : from!,
      messagingServiceSid: service ?? null,
      body,
      statusCallback: form.StatusCallback,
      numSegments: smsSegments(body).segments,
    };
    messages.set(message.sid, message);
    const now = new Date().toUTCString();
    json(res, 201, {
      sid: message.sid,
      account_sid: accountSid,
      api_version: '2010-04-01',
      body,
      date_created: now,
      date_updated: now,
      date_sent: null,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: message.from,
      messaging_service_sid: message.messagingServiceSid,
      num_media: '0',
      num_segments: String(message.numSegments),
      price: null,
      price_unit: 'USD',
      status: 'queued',
      to,
      uri: `/2010-04-01/Accounts/${accountSid}/Messages/${message.sid}.json`,
    });
  }

  const server: Server = createServer({ keepAlive: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  async function deliver(messageSid: string, status: string, errorCode?: string): Promise<TwilioCallbackResult> {
    const message = messages.get(messageSid);
    if (!message) throw new Error(`twilio mock: no message ${messageSid}`);
    if (!message.statusCallback) throw new Error(`twilio mock: message ${messageSid} has no StatusCallback`);
    const form: Record<string, string> = {
      AccountSid: accountSid,
      ApiVersion: '2010-04-01',
      From: message.from ?? '+15005550006',
      MessageSid: message.sid,
      MessageStatus: status,
      SmsSid: message.sid,
      SmsStatus: status,
      To: message.to,
    };
    if (message.messagingServiceSid) form.MessagingServiceSid = message.messagingServiceSid;
    if (errorCode !== undefined) form.ErrorCode = errorCode;
    const signature = mockTwilioSignature(authToken, message.statusCallback, form);
    const body = new URLSearchParams(form).toString();
    const target = new URL(message.statusCallback);
    const answerStatus = await new Promise<number>((resolve, reject) => {
      const req = request(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(Buffer.byteLength(body)),
          'x-twilio-signature': signature,
          'user-agent': 'TwilioProxy/1.1',
        },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.end(body);
    });
    return { status: answerStatus, form, signature };
  }

  return {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    requests,
    messages,
    verifyServiceSid,
    calls: voice.calls,
    verifications: voice.verifications,
    verificationCode: voice.verificationCode,
    expireVerification: voice.expireVerification,
    script(to, ...answers) {
      scripts.set(to, [...(scripts.get(to) ?? []), ...answers]);
    },
    deliver,
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
