/**
 * Which push services a Web Push endpoint may point at. Endpoints come from browsers, so they are
 * untrusted: beyond the SSRF guard (no private addresses, no redirects), Herald only posts to the
 * push services it knows plus the ones the operator adds (providers.md, security note).
 */

/** The browsers' push services: Chrome/FCM, Firefox (autopush), Edge (WNS) and Safari (Apple). */
export const DEFAULT_WEB_PUSH_ENDPOINTS: readonly string[] = Object.freeze([
  'fcm.googleapis.com',
  '*.push.services.mozilla.com',
  '*.notify.windows.com',
  'web.push.apple.com',
]);

interface Pattern {
  /** Exact host, or the suffix (with its leading dot) for `*.` patterns. */
  host: string;
  wildcard: boolean;
  /** When the pattern names one (`host:port`, or an origin), only that port matches. */
  port: string | undefined;
  /** When the pattern is an origin (`https://host`), only that scheme matches. */
  protocol: string | undefined;
}

export type EndpointMatcher = (endpoint: URL) => boolean;

function normaliseHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

function parsePattern(entry: string): Pattern {
  const text = entry.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    const url = new URL(text.replace('://*.', '://wildcard-placeholder.'));
    const wildcard = url.hostname.startsWith('wildcard-placeholder.');
    const host = wildcard ? url.hostname.slice('wildcard-placeholder'.length) : url.hostname;
    return { host: normaliseHost(host), wildcard, port: url.port || defaultPort(url.protocol), protocol: url.protocol };
  }
  // host, *.suffix, host:port, [v6]:port
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(text);
  if (!m) throw new Error(`Web Push endpoint allowlist entry ${JSON.stringify(entry)} is not a host, *.domain, host:port or origin`);
  const rawHost = m[1]!.replace(/^\[(.*)\]$/, '$1');
  const wildcard = rawHost.startsWith('*.');
  return { host: normaliseHost(wildcard ? rawHost.slice(1) : rawHost), wildcard, port: m[2], protocol: undefined };
}

function defaultPort(protocol: string): string {
  return protocol === 'http:' ? '80' : '443';
}

/**
 * A matcher for `host`, `*.domain` (any subdomain, not the domain itself), `host:port` and
 * origins (`https://push.example:8443`). Throws on an entry that is none of these, so a typo in
 * the config fails at start rather than refusing every push.
 */
export function endpointMatcher(entries: readonly string[]): EndpointMatcher {
  const patterns = entries.map(parsePattern);
  return (endpoint) => {
    const host = normaliseHost(endpoint.hostname.replace(/^\[(.*)\]$/, '$1'));
    const port = endpoint.port || defaultPort(endpoint.protocol);
    return patterns.some(
      (p) =>
        (p.wildcard ? host.endsWith(p.host) && host.length > p.host.length : host === p.host) &&
        (p.port === undefined || p.port === port) &&
        (p.protocol === undefined || p.protocol === endpoint.protocol),
    );
  };
}
