import { readFile } from 'node:fs/promises';
import type { Config } from '../config/index.js';
import { createTwilioHttp } from '../adapters/providers/sms/twilio-http.js';
import { createTwilioVerifier } from '../adapters/providers/twilio-voice/verifier.js';
import { createTwilioVoiceCaller } from '../adapters/providers/twilio-voice/voice-caller.js';
import { checkCallFormat, DEFAULT_CALL_FORMAT } from '../core/calls/call-twiml.js';
import { CallService } from '../core/calls/call-service.js';
import type { AuthStore } from '../ports/auth-store.js';
import type { Logger } from '../ports/logger.js';

/**
 * Whether the config asks for phone calls: a Twilio account and a Verify service (calls go only
 * to verified numbers, so without Verify there is nothing to call). They also need the account
 * database, which the caller checks.
 */
export function callsRequested(config: Config): boolean {
  return config.twilioAccount !== '' && config.twilioVerifyService !== '';
}

/**
 * Part of the composition root: the call service of `X-Call` and `/v1/account/phone`, or
 * undefined when calls are not configured. A half-made setup stops the server at start, naming
 * the missing key.
 */
export async function openPhoneCalls(config: Config, store: AuthStore | undefined, logger: Logger): Promise<CallService | undefined> {
  if (!callsRequested(config)) return undefined;
  if (!store) {
    logger.warn({}, 'phone calls are off: twilio-verify-service is set, but there is no account database (auth-file)');
    return undefined;
  }
  if (!config.twilioAuthToken) throw new Error('twilio-auth-token must be set when twilio-account is');
  if (!config.twilioPhoneNumber) throw new Error('twilio-phone-number must be set for phone calls (twilio-verify-service is set)');
  const format = config.twilioCallFormat || DEFAULT_CALL_FORMAT;
  checkCallFormat(format);
  let ca: string | undefined;
  if (config.twilioCaFile) {
    try {
      ca = await readFile(config.twilioCaFile, 'utf8');
    } catch (err) {
      throw new Error(`twilio-ca-file: cannot read ${config.twilioCaFile}: ${(err as Error).message}`);
    }
  }
  const http = createTwilioHttp({ accountSid: config.twilioAccount, authToken: config.twilioAuthToken, ...(ca !== undefined ? { ca } : {}) });
  const caller = createTwilioVoiceCaller({
    http, accountSid: config.twilioAccount, baseUrl: config.twilioBaseUrl, from: config.twilioPhoneNumber, allowHttp: config.twilioBaseUrl.startsWith('http:'),
  });
  const verifier = createTwilioVerifier({
    http, serviceSid: config.twilioVerifyService, baseUrl: config.twilioVerifyBaseUrl, allowHttp: config.twilioVerifyBaseUrl.startsWith('http:'),
  });
  return new CallService({ store, caller, verifier, format, logger });
}
