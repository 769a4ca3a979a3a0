import { renderTemplate } from '../publish/template/index.js';

/**
 * What a call says, as TwiML with Go-template fields (the `twilio-call-format` key replaces it):
 * `{{.Topic}}`, `{{.Title}}`, `{{.Message}}`, `{{.Priority}}` (1–5), `{{.Tags}}` (a list) and
 * `{{.Sender}}` (the publishing user). Text fields arrive XML-escaped, so they cannot add markup.
 */
export const DEFAULT_CALL_FORMAT = `<Response>
  <Pause length="1"/>
  <Say loop="3">
    Hello, this is Herald with a notification on the topic {{.Topic}}.
    <break time="1s"/>
    {{if .Title}}{{.Title}}. <break time="500ms"/>{{end}}{{.Message}}
    <break time="1s"/>
    That is the end of the message from {{.Sender}}. You will hear it three times.
    To stop these calls, remove this phone number from your account.
    <break time="3s"/>
  </Say>
  <Say>Goodbye.</Say>
</Response>`;

/** Twilio refuses inline TwiML longer than this (error 32018). */
export const TWIML_MAX_CHARS = 4000;

export interface CallFields {
  topic: string;
  title?: string;
  message: string;
  priority?: number;
  tags?: readonly string[];
  sender: string;
}

/** Escapes text for an XML text node or attribute value. */
export function xmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Generous enough for any message; the 4000-character cap is applied after rendering. */
const RENDER_LIMITS = { maxOutputBytes: 65_536 };

function render(format: string, fields: CallFields, message: string): string {
  return renderTemplate(format, {
    Topic: xmlEscape(fields.topic),
    Title: xmlEscape(fields.title ?? ''),
    Message: xmlEscape(message),
    Priority: fields.priority ?? 3,
    Tags: (fields.tags ?? []).map(xmlEscape),
    Sender: xmlEscape(fields.sender),
  }, RENDER_LIMITS).trim();
}

/**
 * The TwiML for one call. A message too long for Twilio's limit is cut (with an ellipsis) until
 * the document fits, rather than the call failing at the gateway: the start of an alert is worth
 * hearing. A format that alone exceeds the limit is rendered as it is, and Twilio refuses it.
 */
export function callTwiml(format: string, fields: CallFields): string {
  const full = render(format, fields, fields.message);
  if (full.length <= TWIML_MAX_CHARS) return full;
  // The longest start of the message (whole code points) that fits with the ellipsis; escaping
  // makes the rendered length grow unevenly with it, so it is searched for, not computed.
  const chars = [...fields.message];
  const cut = (keep: number) => render(format, fields, `${chars.slice(0, keep).join('').trimEnd()}…`);
  let lo = 0;
  let hi = chars.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (cut(mid).length <= TWIML_MAX_CHARS) lo = mid;
    else hi = mid - 1;
  }
  return cut(lo);
}

/** Checks a configured call format once at start: it must parse and render against sample fields. */
export function checkCallFormat(format: string): void {
  try {
    callTwiml(format, { topic: 'alerts', title: 'Disk', message: 'Disk almost full', priority: 5, tags: ['warning'], sender: 'phil' });
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new Error(`twilio-call-format: the template does not render: ${detail}`);
  }
}
