import type { Outcome, OutcomeKind } from '../../../ports/provider.js';
import { withDefined } from '../outcome-helpers.js';

/**
 * How an SMTP answer maps to an outcome. A row matches on one of three keys:
 *
 * - `enhanced`: an RFC 3463 enhanced status code, `class.subject.detail`, where `x` is a wildcard
 *   (`5.7.x` is every security/policy refusal, `4.x.x` every transient one);
 * - `reply`: an RFC 5321 reply code, exact (`550`) or a class (`4xx`), optionally narrowed by
 *   `text`, a pattern over the reply text;
 * - `error`: the client-side failure code when there was no SMTP reply at all (the connection
 *   could not be made, broke, or TLS failed): a Node.js system code or a nodemailer code.
 */
export interface SmtpOutcomeRule {
  enhanced?: string;
  reply?: string;
  text?: RegExp;
  error?: string;
  outcome: OutcomeKind;
  /** For `throttled`. */
  target?: 'device' | 'credential';
  /** A reply row that wins over any enhanced code: the reply speaks of the session, not the message. */
  beatsEnhanced?: boolean;
  /** For `retry`: the soonest a new attempt can sensibly succeed. */
  afterMs?: number;
  /** Why this row exists (from RFC 5321 / RFC 3463 and observed practice). */
  note: string;
}

/** A full mailbox does not empty itself within seconds; give its owner an hour. */
const MAILBOX_FULL_WAIT_MS = 60 * 60 * 1000;

/** Words that turn a bare 550 from "no such mailbox" into a refusal of the message or the sender. */
const POLICY_WORDS = /spam|policy|blocked|blacklist|blocklist|denied|reputation|dmarc|\bspf\b|dkim|not authori[sz]ed|abuse|virus/i;

/** Words that say the relay limits how fast or how much we send, whatever the reply class. */
const RATE_WORDS = /rate.?limit|throttl|too many (?:messages|mails|emails|connections)|sending (?:rate|quota|limit)|slow down/i;

export const SMTP_OUTCOMES: readonly SmtpOutcomeRule[] = [
  // The server's answer to the whole transaction.
  { reply: '2xx', outcome: 'ok', note: 'RFC 5321 §4.2.1: 2yz is a positive completion; 250 after DATA means the server took responsibility for the message.' },

  // Rate limits, read before anything else: their codes vary (421 4.7.0, 451 4.3.2, 454, Gmail's 550 5.4.5,
  // SES's 554), their wording does not, and what they ask for is the same: slow the whole credential down.
  { reply: '4xx', text: RATE_WORDS, outcome: 'throttled', target: 'credential', note: 'A transient refusal that speaks of rates or too many messages/connections: the relay limits our account, so the partition slows down.' },
  { reply: '5xx', text: RATE_WORDS, outcome: 'throttled', target: 'credential', note: 'A sending quota or rate limit worded as permanent (Gmail "550 5.4.5 Daily user sending limit exceeded", SES "554 Throttling failure"): the message is fine and goes out once the quota resets.' },

  // Enhanced status codes (RFC 3463), which say more than the reply code and so are read first.
  { enhanced: '5.1.1', outcome: 'invalid_token', note: 'Bad destination mailbox address: the mailbox does not exist at that domain. The classic hard bounce.' },
  { enhanced: '5.1.2', outcome: 'invalid_token', note: 'Bad destination system address: the domain does not exist or does not take mail, so no mailbox there can be reached.' },
  { enhanced: '5.1.3', outcome: 'invalid_token', note: 'Bad destination mailbox address syntax: the address can never be valid as written.' },
  { enhanced: '5.1.6', outcome: 'invalid_token', note: 'Destination mailbox has moved, no forwarding address: the address is gone for good.' },
  { enhanced: '5.1.10', outcome: 'invalid_token', note: 'RFC 7505 null MX: the recipient domain declares that it accepts no mail at all.' },
  { enhanced: '5.2.1', outcome: 'invalid_token', note: 'Mailbox disabled, not accepting messages. RFC 3463 allows it to be temporary, but large providers use it for closed accounts, and a 5yz reply says not to repeat the same transaction.' },
  {
    enhanced: '5.2.2',
    outcome: 'retry',
    afterMs: MAILBOX_FULL_WAIT_MS,
    note: 'Mailbox full. Its class is permanent, yet RFC 3463 §3.3 says X.2.2 "should be used as a persistent transient failure": the owner can make room. We retry later rather than kill the address, and let the retry budget end it.',
  },
  { enhanced: '4.2.2', outcome: 'retry', afterMs: MAILBOX_FULL_WAIT_MS, note: 'Mailbox full, announced as transient: retry, not before the owner had time to make room.' },
  { enhanced: '5.3.4', outcome: 'rejected', note: 'Message too big for the system: the same message is refused again, the address is fine.' },
  { enhanced: '5.7.8', outcome: 'rejected', note: 'RFC 4954 §6: authentication credentials invalid. Our SMTP user or password is wrong, which needs ops, not retries; the address is fine.' },
  { enhanced: '5.7.x', outcome: 'rejected', note: 'Security or policy status: spam, DMARC/SPF/DKIM failure, relaying denied, sender blocked. The message or sender is refused, not the address.' },
  { enhanced: '4.7.x', outcome: 'retry', note: 'Transient security or policy status, most often greylisting (4.7.1) or a temporary authentication failure (4.7.0): the same message is accepted later.' },
  { enhanced: '4.x.x', outcome: 'retry', note: 'Any persistent transient failure (RFC 3463 §3.1 class 4): the same message may go through on a later attempt.' },
  { enhanced: '5.x.x', outcome: 'rejected', note: 'Any other permanent failure (syntax 5.5.x, content 5.6.x, routing 5.4.x, sender 5.1.7/5.1.8): repeating it fails again, and nothing says the address is dead.' },

  // Reply codes alone, for servers that do not announce ENHANCEDSTATUSCODES (or send X.0.0).
  { reply: '421', outcome: 'retry', note: 'Service not available, closing transmission channel: the server is shutting down or overloaded.' },
  { reply: '450', outcome: 'retry', note: 'Mailbox unavailable for now (busy, or greylisted by a server without enhanced codes).' },
  { reply: '451', outcome: 'retry', note: 'Requested action aborted: local error in processing on the server side.' },
  { reply: '452', outcome: 'retry', note: 'Insufficient system storage, or too many recipients in this transaction (RFC 5321 §4.5.3.1.10).' },
  { reply: '503', beatsEnhanced: true, outcome: 'retry', note: 'Bad sequence of commands: the session was in the wrong state, not the message; a new connection sends it (nodemailer treats it as transient too).' },
  { reply: '530', outcome: 'rejected', note: 'RFC 4954: authentication required, and we did not authenticate. A configuration problem.' },
  { reply: '535', outcome: 'rejected', note: 'RFC 4954: authentication credentials invalid. Our SMTP user or password is wrong; the address is fine.' },
  { reply: '550', text: POLICY_WORDS, outcome: 'rejected', note: 'RFC 5321 lets 550 mean "command rejected for policy reasons"; when the text speaks of spam, policy or blocking, the sender is refused, not the address.' },
  { reply: '550', outcome: 'invalid_token', note: 'Requested action not taken: mailbox unavailable (not found, no access). Without a policy word this is a hard bounce.' },
  { reply: '551', outcome: 'invalid_token', note: 'User not local: the mailbox is not served here any more.' },
  { reply: '552', outcome: 'retry', afterMs: MAILBOX_FULL_WAIT_MS, note: 'Exceeded storage allocation (mailbox full). RFC 5321 §4.5.3.1.10 asks clients to treat 552 as temporary; same choice as 5.2.2.' },
  { reply: '553', outcome: 'invalid_token', note: 'Mailbox name not allowed: the address syntax is refused by the receiving system.' },
  { reply: '4xx', outcome: 'retry', note: 'RFC 5321 §4.2.1: 4yz is a transient negative completion; the same command may succeed later.' },
  { reply: '5xx', outcome: 'rejected', note: 'RFC 5321 §4.2.1: 5yz is a permanent negative completion (e.g. 554 transaction failed); without more detail it does not prove the address dead.' },

  // No SMTP reply: the conversation never happened or broke off.
  { error: 'ECONNREFUSED', outcome: 'retry', note: 'Nothing listens on the SMTP host and port: the relay is down or restarting.' },
  { error: 'ETIMEDOUT', outcome: 'retry', note: 'Connecting, the greeting or a reply took too long: a slow or unreachable relay.' },
  { error: 'ECONNRESET', outcome: 'retry', note: 'The relay dropped the connection mid-conversation.' },
  { error: 'EPIPE', outcome: 'retry', note: 'We wrote to a connection the relay had already closed.' },
  { error: 'EHOSTUNREACH', outcome: 'retry', note: 'No route to the relay host, usually a passing network problem.' },
  { error: 'ENETUNREACH', outcome: 'retry', note: 'No route to the relay network, usually a passing network problem.' },
  { error: 'ECONNECTION', outcome: 'retry', note: 'nodemailer: the connection closed unexpectedly.' },
  { error: 'ESOCKET', outcome: 'retry', note: 'nodemailer: another socket-level error.' },
  { error: 'EDNS', outcome: 'retry', note: 'nodemailer: the relay host name did not resolve; DNS outages pass, and a persistent one trips the circuit breaker.' },
  { error: 'ETLS', outcome: 'retry', note: 'TLS handshake or STARTTLS upgrade failed (an untrusted certificate, a relay that refuses STARTTLS although requireTls is set): the message was never refused, so it is retried and a persistent failure trips the circuit breaker. Wins over any reply the relay gave to STARTTLS.' },
  { error: 'EPROTOCOL', outcome: 'retry', note: 'nodemailer: the relay sent something that is not SMTP; likely a broken connection or a proxy in between.' },
  { error: 'EMAXLIMIT', outcome: 'retry', note: 'nodemailer: the pooled connection reached its message limit; a fresh connection takes the message.' },
  { error: 'EABORT', outcome: 'retry', note: 'The send was aborted (shutdown); the delivery was not made and goes back to the queue.' },
  { error: 'EAUTH', outcome: 'rejected', note: 'nodemailer: authentication failed without a reply code we know (e.g. no mechanism in common). A configuration problem.' },
  { error: 'ENOAUTH', outcome: 'rejected', note: 'nodemailer: the relay requires credentials and none are configured.' },
  { error: 'EENVELOPE', outcome: 'rejected', note: 'nodemailer refused the envelope before sending (no valid sender or recipient): the message as built is wrong.' },
  { error: 'EMESSAGE', outcome: 'rejected', note: 'nodemailer could not build or stream the message: the same message fails again.' },
];

/** The parts of a nodemailer error this table reads (a structural subset, so tests need no nodemailer). */
export interface SmtpErrorLike {
  /** nodemailer's code (`EENVELOPE`, `ESOCKET`, …) or a Node.js system code. */
  code?: string | undefined;
  /** The system code nodemailer replaced with its own, e.g. `ECONNREFUSED` under `ESOCKET`. */
  originalCode?: string | undefined;
  responseCode?: number | undefined;
  /** The server's reply, e.g. `550 5.1.1 No such user`. */
  response?: string | undefined;
  rejectedErrors?: SmtpErrorLike[] | undefined;
}

/** The parts of nodemailer's SentMessageInfo this table reads. */
export interface SmtpInfoLike {
  accepted: readonly unknown[];
  rejected: readonly unknown[];
  rejectedErrors?: SmtpErrorLike[] | undefined;
  /** The server's final reply, e.g. `250 2.0.0 Ok: queued as ABC`. */
  response?: string | undefined;
  messageId?: string | undefined;
}

/** One SMTP reply taken apart: `550 5.1.1 No such user` → {code 550, enhanced '5.1.1', text 'No such user'}. */
export interface SmtpReply {
  code: number;
  enhanced?: string;
  text: string;
}

const REPLY = /^([2-5]\d\d)(?:[ -]+(.*))?$/s;
const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})(?:\s+|$)/;
/** Node.js TLS verification and handshake codes, which nodemailer reports under ESOCKET or ETLS. */
const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH|ALTNAME/;
const MAX_REASON = 300;

/**
 * Parses the first line's reply code and enhanced status code; the text keeps every line, joined.
 * An enhanced code whose class differs from the reply's is ignored: RFC 3463 §2 requires them to
 * agree, and the reply code is the one RFC 5321 makes binding.
 */
export function parseSmtpReply(response: string | undefined): SmtpReply | undefined {
  if (response === undefined) return undefined;
  const lines = response.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  const first = lines[0] !== undefined ? REPLY.exec(lines[0]) : null;
  if (!first) return undefined;
  const code = Number(first[1]);
  const texts = lines.map((line) => {
    const m = REPLY.exec(line);
    return m && Number(m[1]) === code ? (m[2] ?? '') : line;
  });
  let enhanced: string | undefined;
  const e = ENHANCED.exec(texts[0] ?? '');
  if (e && e[1] === String(code)[0]) {
    enhanced = `${e[1]}.${Number(e[2])}.${Number(e[3])}`;
    texts.forEach((t, i) => { texts[i] = t.startsWith(e[0].trim()) ? t.slice(e[0].trim().length).trim() : t; });
  }
  const text = texts.filter((t) => t !== '').join(' ');
  return enhanced !== undefined ? { code, enhanced, text } : { code, text };
}

function enhancedMatches(pattern: string, code: string): boolean {
  const p = pattern.split('.');
  const c = code.split('.');
  return p.length === 3 && p.every((part, i) => part === 'x' || part === c[i]);
}

/** How specific an enhanced pattern is: 3 for `5.1.1`, 2 for `5.7.x`, 1 for `5.x.x`. */
function enhancedRank(pattern: string): number {
  return pattern.split('.').filter((p) => p !== 'x').length;
}

/**
 * The row for a reply. Precedence, most telling first: a rate-limit wording in the reply's class;
 * a session reply (503); the enhanced code, exact (`5.1.1`), by subject (`5.7.x`), by class
 * (`5.x.x`); the exact reply code (a row narrowed by text before the plain one); the reply class.
 * An enhanced `X.0.0` ("other undefined status") says nothing the reply code does not, so it
 * leaves the decision to the reply code.
 */
export function smtpReplyRule(reply: SmtpReply): SmtpOutcomeRule | undefined {
  const code = String(reply.code);
  const replyClass = `${code[0]}xx`;
  const enhanced = reply.enhanced?.endsWith('.0.0') ? undefined : reply.enhanced;
  const byEnhanced = (rank: number) =>
    enhanced === undefined
      ? undefined
      : SMTP_OUTCOMES.find((r) => r.enhanced !== undefined && enhancedRank(r.enhanced) === rank && enhancedMatches(r.enhanced, enhanced));
  const byReply = (pattern: string, withText: boolean) =>
    SMTP_OUTCOMES.find((r) => r.reply === pattern && (withText ? r.text !== undefined && r.text.test(reply.text) : r.text === undefined));
  return (
    byReply(replyClass, true) ??
    SMTP_OUTCOMES.find((r) => r.reply === code && r.beatsEnhanced === true) ??
    byEnhanced(3) ??
    byEnhanced(2) ??
    byEnhanced(1) ??
    byReply(code, true) ??
    byReply(code, false) ??
    byReply(replyClass, false)
  );
}

const WAIT = /\b(?:in|for|after|wait)\s+(\d{1,6})\s*(s|secs?|seconds?|m|mins?|minutes?)\b/i;
const MAX_STATED_WAIT_MS = 24 * 60 * 60 * 1000;

/** A wait the server states in a transient reply ("Greylisted for 300 seconds"), in ms. */
export function statedWaitMs(text: string): number | undefined {
  const m = WAIT.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * (m[2]!.toLowerCase().startsWith('m') ? 60_000 : 1_000);
  return ms > 0 ? Math.min(ms, MAX_STATED_WAIT_MS) : undefined;
}

/** The code naming a failure without a reply: the system code when known, TLS errors folded into ETLS. */
export function smtpErrorCode(error: SmtpErrorLike): string | undefined {
  const original = error.originalCode;
  if (original !== undefined && SMTP_OUTCOMES.some((r) => r.error === original)) return original;
  if (original !== undefined && TLS_CODE.test(original)) return 'ETLS';
  if (error.code !== undefined && TLS_CODE.test(error.code) && !SMTP_OUTCOMES.some((r) => r.error === error.code)) return 'ETLS';
  return error.code ?? original;
}

export function smtpErrorRule(error: SmtpErrorLike): SmtpOutcomeRule | undefined {
  const code = smtpErrorCode(error);
  return code === undefined ? undefined : SMTP_OUTCOMES.find((r) => r.error === code);
}

function isInfo(answer: SmtpErrorLike | SmtpInfoLike): answer is SmtpInfoLike {
  return Array.isArray((answer as SmtpInfoLike).accepted);
}

/** The reply text that goes into `reason`: one line, bounded. */
function reasonOf(reply: SmtpReply): string | undefined {
  const reason = [reply.enhanced, reply.text].filter((p) => p !== undefined && p !== '').join(' ').replace(/\s+/g, ' ').trim();
  if (reason === '') return undefined;
  return reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason;
}

function fromRule(rule: SmtpOutcomeRule, status: number | undefined, reason: string | undefined, statedMs?: number): Outcome {
  const afterMs = statedMs ?? rule.afterMs;
  switch (rule.outcome) {
    case 'ok':
      return { kind: 'ok' };
    case 'retry':
      return withDefined({ kind: 'retry', status, reason, afterMs });
    case 'invalid_token':
      return withDefined({ kind: 'invalid_token', status, reason });
    case 'rejected':
      return withDefined({ kind: 'rejected', status, reason });
    case 'throttled':
      return withDefined({ kind: 'throttled', target: rule.target ?? 'credential', status, reason, afterMs });
  }
}

function replyOutcome(reply: SmtpReply): Outcome {
  const rule = smtpReplyRule(reply);
  // Every reply class 2–5 has a row, so this only guards against a table edit.
  if (!rule) return withDefined({ kind: 'retry', status: reply.code, reason: reasonOf(reply) });
  return fromRule(rule, reply.code, reasonOf(reply), rule.outcome === 'retry' || rule.outcome === 'throttled' ? statedWaitMs(reply.text) : undefined);
}

/**
 * The outcome of one single-recipient send: either nodemailer's SentMessageInfo or the error it
 * failed with. `ok` carries the Message-ID (what a later bounce report refers to). An error with
 * an SMTP reply is judged by the reply; one without, by its code; an unknown code is retried
 * (nothing was refused, so nothing says a later attempt fails too).
 */
export function smtpOutcome(answer: SmtpErrorLike | SmtpInfoLike): Outcome {
  if (isInfo(answer)) {
    if (answer.accepted.length > 0) return answer.messageId ? { kind: 'ok', providerId: answer.messageId } : { kind: 'ok' };
    const first = answer.rejectedErrors?.[0];
    if (first) return smtpOutcome(first);
    const reply = parseSmtpReply(answer.response);
    if (reply && reply.code >= 400) return replyOutcome(reply);
    return { kind: 'rejected', reason: 'no recipient accepted' };
  }

  const reply = parseSmtpReply(answer.response) ?? (answer.responseCode !== undefined ? parseSmtpReply(String(answer.responseCode)) : undefined);
  // A failed TLS step is a TLS failure whatever the relay answered (a 500 to STARTTLS means it
  // offers none): our message was never refused, so it waits for the relay to be fixed.
  if (answer.code === 'ETLS' && reply) return fromRule(SMTP_OUTCOMES.find((r) => r.error === 'ETLS')!, undefined, [`ETLS ${reply.code}`, reasonOf(reply)].filter(Boolean).join(' '));
  if (reply && reply.code >= 400) return replyOutcome(reply);
  // "All recipients were rejected" carries the per-recipient replies.
  const rejected = answer.rejectedErrors?.find((e) => e.response !== undefined || e.responseCode !== undefined);
  if (rejected) return smtpOutcome(rejected);

  const code = smtpErrorCode(answer);
  const rule = smtpErrorRule(answer);
  // The system code under a folded one (ETLS from DEPTH_ZERO_SELF_SIGNED_CERT) says what to fix.
  const detail = [answer.originalCode, answer.code].find((c) => c !== undefined && c !== code);
  const reason = code === undefined ? 'unknown' : detail !== undefined && code === 'ETLS' ? `${code} ${detail}` : code;
  if (!rule) return { kind: 'retry', reason };
  return fromRule(rule, undefined, reason);
}
