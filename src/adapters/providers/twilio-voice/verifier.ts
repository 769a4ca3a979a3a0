import type { PhoneCheckResult, PhoneVerifier, PhoneVerifyChannel } from '../../../ports/phone.js';
import { isObject } from '../outcome-helpers.js';
import { twilioCode } from '../sms/outcomes.js';
import { twilioEndpoint, TwilioTransportError, type TwilioAnswer, type TwilioHttp } from '../sms/twilio-http.js';

export const DEFAULT_TWILIO_VERIFY_BASE_URL = 'https://verify.twilio.com';

export interface TwilioVerifyOptions {
  http: TwilioHttp;
  /** The Verify service SID (`VA…`). */
  serviceSid: string;
  /** Default https://verify.twilio.com. */
  baseUrl?: string;
  allowHttp?: boolean;
}

/** A Verify request the gateway refused or did not answer; the message names the status and code, never the credentials. */
export class TwilioVerifyError extends Error {
  override readonly name = 'TwilioVerifyError';
}

/**
 * Phone number verification through Twilio Verify v2: `POST …/Services/{sid}/Verifications`
 * (`To`, `Channel`) sends a code; `POST …/Services/{sid}/VerificationCheck` (`To`, `Code`) answers
 * 200 with `status: approved` for the right code and `pending` for a wrong one, and 404 once
 * there is no open verification (expired after ten minutes, approved already, or too many tries).
 */
export function createTwilioVerifier(options: TwilioVerifyOptions): PhoneVerifier {
  if (options.serviceSid === '') throw new Error('twilio verify: the service SID (twilio-verify-service) is required');
  const base = options.baseUrl ?? DEFAULT_TWILIO_VERIFY_BASE_URL;
  const service = `/v2/Services/${encodeURIComponent(options.serviceSid)}`;
  const startUrl = twilioEndpoint(base, `${service}/Verifications`, 'twilio verify', options.allowHttp);
  const checkUrl = twilioEndpoint(base, `${service}/VerificationCheck`, 'twilio verify', options.allowHttp);

  async function post(url: URL, form: URLSearchParams): Promise<TwilioAnswer> {
    try {
      return await options.http.post(url, form);
    } catch (err) {
      throw new TwilioVerifyError(`twilio verify: no answer (${err instanceof TwilioTransportError ? err.reason : 'network'})`, { cause: err });
    }
  }
  const refused = (answer: TwilioAnswer): TwilioVerifyError =>
    new TwilioVerifyError(`twilio verify: HTTP ${answer.status}${twilioCode(answer.body) ? `, code ${twilioCode(answer.body)}` : ''}`);

  return {
    async start(to: string, channel: PhoneVerifyChannel): Promise<void> {
      const answer = await post(startUrl, new URLSearchParams({ To: to, Channel: channel }));
      if (answer.status < 200 || answer.status >= 300) throw refused(answer);
    },

    async check(to: string, code: string): Promise<PhoneCheckResult> {
      const answer = await post(checkUrl, new URLSearchParams({ To: to, Code: code }));
      // 60202: too many wrong codes; the verification is closed for good, as an expired one.
      if (answer.status === 404 || twilioCode(answer.body) === '60202') return 'not_found';
      if (answer.status !== 200 || !isObject(answer.body)) throw refused(answer);
      // Only `approved` proves the number; `pending` is a wrong code, and anything else
      // (canceled, max_attempts_reached, expired) leaves nothing to approve.
      const status = answer.body.status;
      if (status === 'approved') return 'approved';
      if (status === 'pending') return 'wrong_code';
      return 'not_found';
    },

    close: () => options.http.close(),
  };
}
