/** How a verification code reaches the phone: a text message, or a call that reads it out. */
export type PhoneVerifyChannel = 'sms' | 'call';

/** What a voice gateway said to a call request. */
export type CallResult =
  | { kind: 'ok'; /** The gateway's id of the call (Twilio's `CA…` SID). */ providerId?: string }
  | { kind: 'failed'; /** The gateway's HTTP status, 0 when no answer came. */ status: number; /** The gateway's error code or a transport reason. */ reason: string };

/**
 * Places voice calls that speak a message (Twilio's Calls API: `From`, `To`, inline TwiML). One
 * request per call, never retried: a retry after a lost answer could ring the phone twice.
 */
export interface VoiceCaller {
  /** Never rejects: a failure is a `failed` result. */
  call(to: string, twiml: string): Promise<CallResult>;
  close(): Promise<void>;
}

/** The answer to a code check: approved; a wrong code (the verification stays open); or no open verification (expired, used up, never started). */
export type PhoneCheckResult = 'approved' | 'wrong_code' | 'not_found';

/**
 * Proves that a caller holds a phone number (Twilio Verify): the gateway sends a code to the
 * number and later says whether a code matches. Verifications live at the gateway, so a code
 * sent through one node can be checked through another.
 */
export interface PhoneVerifier {
  /** Sends a new code to `to`. Rejects (an Error without credentials in it) when the gateway refuses or cannot be reached. */
  start(to: string, channel: PhoneVerifyChannel): Promise<void>;
  /** Checks a code. Rejects like `start` on any answer that is none of the three results. */
  check(to: string, code: string): Promise<PhoneCheckResult>;
  close(): Promise<void>;
}
