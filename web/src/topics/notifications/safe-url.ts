/**
 * Which addresses a message may link to. Messages come from anyone who can publish to a topic,
 * so script-running schemes (javascript:, data:, vbscript:) never become links.
 */
const LINK_SCHEMES = new Set(['http:', 'https:', 'mailto:', 'tel:', 'sms:', 'geo:']);

export function safeLink(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url.trim());
    return LINK_SCHEMES.has(parsed.protocol) ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** Only http(s): for requests the page makes (http actions) and images it loads. */
export function webUrl(url: string | undefined): string | undefined {
  const link = safeLink(url);
  return link && /^https?:/.test(link) ? link : undefined;
}
