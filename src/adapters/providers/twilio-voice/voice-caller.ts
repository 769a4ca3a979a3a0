import type { CallResult, VoiceCaller } from '../../../ports/phone.js';
import { isObject } from '../outcome-helpers.js';
import { DEFAULT_TWILIO_BASE_URL } from '../sms/sender.js';
import { twilioCode } from '../sms/outcomes.js';
import { twilioEndpoint, TwilioTransportError, type TwilioHttp } from '../sms/twilio-http.js';

export interface TwilioVoiceOptions {
  /** The account's HTTP client (shared with the Verify client and the SMS sender's settings). */
  http: TwilioHttp;
  accountSid: string;
  /** Default https://api.twilio.com, the host of the Calls API as of the Messages API. */
  baseUrl?: string;
  /** The calling number (E.164): one of the account's voice-capable numbers. */
  from: string;
  /** Permit an http: base URL (tests, a gateway on a trusted local network). */
  allowHttp?: boolean;
}

/**
 * Places calls through Twilio's Calls API: `POST {base}/2010-04-01/Accounts/{sid}/Calls.json` with
 * `From`, `To` and inline `Twiml`. Twilio queues the call and answers 201 with the call resource;
 * what happens on the phone later is not reported back here.
 */
export function createTwilioVoiceCaller(options: TwilioVoiceOptions): VoiceCaller {
  const url = twilioEndpoint(options.baseUrl ?? DEFAULT_TWILIO_BASE_URL, `/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Calls.json`, 'twilio calls', options.allowHttp);
  if (options.from === '') throw new Error('twilio calls: the calling number (twilio-phone-number) is required');
  return {
    async call(to: string, twiml: string): Promise<CallResult> {
      const form = new URLSearchParams({ From: options.from, To: to, Twiml: twiml });
      try {
        const answer = await options.http.post(url, form);
        if (answer.status >= 200 && answer.status < 300) {
          const sid = isObject(answer.body) && typeof answer.body.sid === 'string' ? answer.body.sid : undefined;
          return sid ? { kind: 'ok', providerId: sid } : { kind: 'ok' };
        }
        return { kind: 'failed', status: answer.status, reason: twilioCode(answer.body) ?? `http_${answer.status}` };
      } catch (err) {
        return { kind: 'failed', status: 0, reason: err instanceof TwilioTransportError ? err.reason : 'network' };
      }
    },
    close: () => options.http.close(),
  };
}
