/**
 * The Calls and Verify parts of the Twilio mock: `POST /2010-04-01/Accounts/{sid}/Calls.json`
 * (From, To, inline Twiml) and Verify v2's `POST /v2/Services/{sid}/Verifications` (To, Channel)
 * and `/VerificationCheck` (To, Code), checked and answered the way Twilio does. Codes are
 * generated here and read by tests through `verificationCode`, as a person would read the SMS.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { ServerResponse } from 'node:http';

const E164 = /^\+[1-9]\d{1,14}$/;
/** Twilio refuses inline TwiML longer than this (32018). */
const TWIML_MAX_CHARS = 4000;
/** A verification lives ten minutes, allows five sends and five checks (Twilio's defaults). */
export const VERIFICATION_TTL_MS = 10 * 60_000;
const MAX_SENDS = 5;
const MAX_CHECKS = 5;

export interface TwilioCall {
  sid: string;
  to: string;
  from: string;
  twiml: string;
  /** The text of every `<Say>`, markup dropped, entities decoded, whitespace collapsed. */
  said: string[];
  /** `loop` of each `<Say>` (1 when absent). */
  loops: number[];
}

export interface TwilioVerification {
  sid: string;
  to: string;
  channel: string;
  code: string;
  status: 'pending' | 'approved' | 'canceled' | 'max_attempts_reached';
  createdMs: number;
  sends: number;
  checks: number;
}

export interface VoiceVerifyApi {
  handles(path: string): boolean;
  handle(path: string, form: Record<string, string>, res: ServerResponse): void;
  calls: Map<string, TwilioCall>;
  /** The open or last verification per number. */
  verifications: Map<string, TwilioVerification>;
  verificationCode(to: string): string | undefined;
  /** Ages a number's verification past its ten minutes. */
  expireVerification(to: string): void;
}

type Reply = {
  json(res: ServerResponse, status: number, body: unknown): void;
  error(res: ServerResponse, status: number, code: number, message: string): void;
};

function sid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&');
}

/** What the phone would speak: the text of each <Say>, with SSML such as <break/> removed. */
export function spokenText(twiml: string): { said: string[]; loops: number[] } {
  const said: string[] = [];
  const loops: number[] = [];
  for (const m of twiml.matchAll(/<Say\b([^>]*)>([\s\S]*?)<\/Say>/g)) {
    said.push(decodeEntities(m[2]!.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim());
    const loop = /\bloop="(\d+)"/.exec(m[1]!);
    loops.push(loop ? Number(loop[1]) : 1);
  }
  return { said, loops };
}

export function createVoiceVerifyApi(options: { accountSid: string; verifyServiceSid: string; fromNumbers?: readonly string[]; now: () => number }, reply: Reply): VoiceVerifyApi {
  const callsPath = `/2010-04-01/Accounts/${options.accountSid}/Calls.json`;
  const servicePrefix = '/v2/Services/';
  const calls = new Map<string, TwilioCall>();
  const verifications = new Map<string, TwilioVerification>();
  const { json, error } = reply;

  function open(to: string): TwilioVerification | undefined {
    const v = verifications.get(to);
    if (!v || v.status !== 'pending' || options.now() - v.createdMs > VERIFICATION_TTL_MS) return undefined;
    return v;
  }

  function verificationJson(v: TwilioVerification): Record<string, unknown> {
    const date = new Date(v.createdMs).toISOString();
    return {
      sid: v.sid, service_sid: options.verifyServiceSid, account_sid: options.accountSid, to: v.to, channel: v.channel,
      status: v.status, valid: v.status === 'approved', date_created: date, date_updated: new Date(options.now()).toISOString(),
      send_code_attempts: Array.from({ length: v.sends }, () => ({ channel: v.channel })),
      url: `https://verify.twilio.com/v2/Services/${options.verifyServiceSid}/Verifications/${v.sid}`,
    };
  }

  function createCall(form: Record<string, string>, res: ServerResponse): void {
    const { To: to, From: from, Twiml: twiml, Url: url, ApplicationSid: app } = form;
    if (!to) return error(res, 400, 21201, "No 'To' number is specified");
    if (!from) return error(res, 400, 21213, "No 'From' number is specified");
    if (!twiml && !url && !app) return error(res, 400, 21205, "A 'Url', 'Twiml' or 'ApplicationSid' parameter is required");
    if (!E164.test(to)) return error(res, 400, 21211, `Invalid 'To' Phone Number: ${to}`);
    if (options.fromNumbers && !options.fromNumbers.includes(from)) {
      return error(res, 400, 21210, `The source phone number provided, ${from}, is not yet verified for your account.`);
    }
    if (twiml && twiml.length > TWIML_MAX_CHARS) return error(res, 400, 32018, 'Twiml size exceeded maximum allowed value of 4000 characters');
    if (twiml && !/^\s*(<\?xml[^>]*\?>\s*)?<Response\b[\s\S]*<\/Response>\s*$/.test(twiml)) return error(res, 400, 12100, 'Document parse failure');
    const call: TwilioCall = { sid: sid('CA'), to, from, twiml: twiml ?? '', ...spokenText(twiml ?? '') };
    calls.set(call.sid, call);
    const now = new Date(options.now()).toUTCString();
    json(res, 201, {
      sid: call.sid, account_sid: options.accountSid, api_version: '2010-04-01', to, to_formatted: to, from, from_formatted: from,
      status: 'queued', direction: 'outbound-api', date_created: now, date_updated: now, start_time: null, end_time: null,
      duration: null, price: null, uri: `/2010-04-01/Accounts/${options.accountSid}/Calls/${call.sid}.json`,
    });
  }

  function startVerification(form: Record<string, string>, res: ServerResponse): void {
    const { To: to, Channel: channel } = form;
    if (!to || !E164.test(to)) return error(res, 400, 60200, `Invalid parameter \`To\`: ${to ?? ''}`);
    if (!channel || !['sms', 'call', 'email', 'whatsapp', 'sna'].includes(channel)) return error(res, 400, 60200, `Invalid parameter \`Channel\`: ${channel ?? ''}`);
    let v = open(to);
    if (v && v.sends >= MAX_SENDS) return error(res, 429, 60203, 'Max send attempts reached');
    if (v) {
      // Resending keeps the code of the open verification, as Twilio does.
      v.sends++;
      v.channel = channel;
    } else {
      v = { sid: sid('VE'), to, channel, code: String(randomInt(0, 1_000_000)).padStart(6, '0'), status: 'pending', createdMs: options.now(), sends: 1, checks: 0 };
      verifications.set(to, v);
    }
    json(res, 201, verificationJson(v));
  }

  function checkVerification(path: string, form: Record<string, string>, res: ServerResponse): void {
    const { To: to, Code: code } = form;
    if (!code) return error(res, 400, 60200, 'Invalid parameter `Code`');
    if (!to) return error(res, 400, 60200, 'Either a `To` or `VerificationSid` parameter is required');
    const v = open(to);
    if (!v) return error(res, 404, 20404, `The requested resource ${path} was not found`);
    if (v.checks >= MAX_CHECKS) {
      v.status = 'max_attempts_reached';
      return error(res, 429, 60202, 'Max check attempts reached');
    }
    v.checks++;
    if (code === v.code) v.status = 'approved';
    json(res, 200, verificationJson(v));
  }

  return {
    calls,
    verifications,
    handles: (path) => path === callsPath || path.startsWith(servicePrefix),
    handle(path, form, res) {
      if (path === callsPath) return createCall(form, res);
      const [service, action, ...rest] = path.slice(servicePrefix.length).split('/');
      if (service !== options.verifyServiceSid || rest.length > 0) return error(res, 404, 20404, `The requested resource ${path} was not found`);
      if (action === 'Verifications') return startVerification(form, res);
      if (action === 'VerificationCheck') return checkVerification(path, form, res);
      return error(res, 404, 20404, `The requested resource ${path} was not found`);
    },
    verificationCode: (to) => open(to)?.code,
    expireVerification(to) {
      const v = verifications.get(to);
      if (v) v.createdMs -= VERIFICATION_TTL_MS + 1;
    },
  };
}
