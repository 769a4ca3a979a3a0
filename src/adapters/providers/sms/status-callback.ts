import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Twilio's status callbacks: the form it POSTs to a message's StatusCallback URL as the message
 * moves on, and the X-Twilio-Signature that proves the POST came from the account's gateway.
 */

/** The message statuses Twilio reports (Messages resource, `status`). */
export const SMS_STATUSES = [
  'accepted',
  'scheduled',
  'canceled',
  'queued',
  'sending',
  'sent',
  'failed',
  'delivered',
  'undelivered',
  'receiving',
  'received',
  'read',
  'partially_delivered',
] as const;

export type SmsStatus = (typeof SMS_STATUSES)[number];

const STATUSES = new Set<string>(SMS_STATUSES);

/** Statuses after which no further callback comes for an outbound message. */
const FINAL = new Set<SmsStatus>(['delivered', 'undelivered', 'failed', 'canceled', 'read']);

/**
 * Delivery error codes that say the number itself cannot take SMS, so the address should be
 * marked dead like a hard bounce: 30005 unknown destination handset (the number does not
 * exist), 30006 a landline or unreachable carrier. 30003 (handset off or out of range) and the
 * carrier-side codes are not here: they pass.
 */
const DEAD_NUMBER_CODES = new Set(['30005', '30006']);

export interface SmsStatusReport {
  /** The message SID the send answered with. */
  sid: string;
  status: SmsStatus;
  /** Twilio's error code for failed/undelivered messages (30xxx), when given. */
  errorCode?: string;
  /** No later callback will change this message's status. */
  final: boolean;
  /** The error says the number cannot take SMS: mark the address, as for a hard bounce. */
  addressDead: boolean;
  to?: string;
  from?: string;
  accountSid?: string;
}

/**
 * Reads a status callback form (already decoded). Undefined when it is not one: no message SID
 * or an unknown status. `MessageSid`/`MessageStatus` are current; `SmsSid`/`SmsStatus` the older
 * names still sent alongside.
 */
export function parseStatusCallback(form: Record<string, string>): SmsStatusReport | undefined {
  const sid = form.MessageSid || form.SmsSid;
  const status = form.MessageStatus || form.SmsStatus;
  if (!sid || !status || !STATUSES.has(status)) return undefined;
  const known = status as SmsStatus;
  const errorCode = form.ErrorCode && /^\d+$/.test(form.ErrorCode) && form.ErrorCode !== '0' ? form.ErrorCode : undefined;
  const report: SmsStatusReport = {
    sid,
    status: known,
    final: FINAL.has(known),
    addressDead: (known === 'undelivered' || known === 'failed') && errorCode !== undefined && DEAD_NUMBER_CODES.has(errorCode),
  };
  if (errorCode !== undefined) report.errorCode = errorCode;
  if (form.To) report.to = form.To;
  if (form.From) report.from = form.From;
  if (form.AccountSid) report.accountSid = form.AccountSid;
  return report;
}

/** The X-Twilio-Signature for a POST to `fullUrl` with these form parameters. */
export function twilioSignature(authToken: string, fullUrl: string, params: Record<string, string>): string {
  const hmac = createHmac('sha1', authToken);
  hmac.update(fullUrl, 'utf8');
  // Sorted by name in code-unit order, as Twilio's own validators sort.
  for (const name of Object.keys(params).sort()) {
    hmac.update(name, 'utf8');
    hmac.update(params[name]!, 'utf8');
  }
  return hmac.digest('base64');
}

/**
 * Whether `signatureHeader` is Twilio's signature of this request. `fullUrl` is the URL exactly
 * as configured at Twilio (scheme, host, port, path and query). Twilio signs with the port if
 * the URL had one and proxies often add or drop a default port, so both spellings of the URL
 * are tried, as Twilio's own libraries do. The comparison is constant time.
 */
export function verifyTwilioSignature(authToken: string, fullUrl: string, params: Record<string, string>, signatureHeader: string | undefined): boolean {
  if (!signatureHeader || authToken === '') return false;
  const given = Buffer.from(signatureHeader, 'base64');
  // A SHA-1 digest is 20 bytes; the re-encoding check keeps "almost base64" from matching.
  if (given.length !== 20 || given.toString('base64') !== signatureHeader) return false;
  let matched = false;
  for (const url of urlSpellings(fullUrl)) {
    const expected = Buffer.from(twilioSignature(authToken, url, params), 'base64');
    // Every spelling is checked, so the time taken does not say which one matched.
    if (timingSafeEqual(expected, given)) matched = true;
  }
  return matched;
}

function urlSpellings(fullUrl: string): string[] {
  let url: URL;
  try {
    url = new URL(fullUrl);
  } catch {
    return [fullUrl];
  }
  const defaultPort = url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : undefined;
  if (defaultPort === undefined) return [fullUrl];
  // WHATWG URL drops a default port, so the "with port" spelling is put together by hand
  // (`hostname` keeps an IPv6 address's brackets).
  const auth = url.username ? `${url.username}${url.password ? `:${url.password}` : ''}@` : '';
  const rest = `${url.pathname}${url.search}${url.hash}`;
  const withPort = `${url.protocol}//${auth}${url.hostname}:${url.port || defaultPort}${rest}`;
  const withoutPort = url.port === '' ? `${url.protocol}//${auth}${url.hostname}${rest}` : undefined;
  const spellings = new Set([fullUrl, withPort]);
  if (withoutPort !== undefined) spellings.add(withoutPort);
  return [...spellings];
}
