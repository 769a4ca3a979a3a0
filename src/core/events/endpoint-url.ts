import { HeraldError } from '../../errors/index.js';
import { addressInList, isForbiddenAddress } from '../../util/ip-ranges.js';

export interface EndpointUrlRules {
  /** Whether plain http: endpoints are accepted (`outbound-allow-http`). */
  allowHttp: boolean;
  /** Private hosts, IPs or CIDRs that may be reached anyway (`outbound-allowed-hosts`). */
  allowedHosts: readonly string[];
}

/**
 * Refuses an endpoint URL that can never be delivered to, when it is registered rather than at
 * every send: a malformed URL, a scheme other than https (http when allowed), credentials in it,
 * or a host that is a private address literal or a `localhost` name. Names that resolve to a
 * private address pass here; the guarded fetch refuses them on every connect (DNS can change).
 */
export function checkEndpointUrl(text: string, rules: EndpointUrlRules): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new HeraldError('badRequest', { detail: 'url: not a valid absolute URL' });
  }
  if (url.protocol !== 'https:' && !(rules.allowHttp && url.protocol === 'http:')) {
    throw new HeraldError('badRequest', { detail: `url: must be ${rules.allowHttp ? 'http: or https:' : 'https:'}` });
  }
  if (url.username !== '' || url.password !== '') throw new HeraldError('badRequest', { detail: 'url: must not carry credentials; the signature authenticates Herald' });
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === '') throw new HeraldError('badRequest', { detail: 'url: has no host' });
  if (rules.allowedHosts.some((h) => h.toLowerCase() === host) || addressInList(host, rules.allowedHosts)) return url.toString();
  if (host === 'localhost' || host.endsWith('.localhost')) throw new HeraldError('badRequest', { detail: 'url: a local host is not reachable from Herald (see outbound-allowed-hosts)' });
  if (/^[0-9.]+$/.test(host) || host.includes(':')) {
    const verdict = isForbiddenAddress(host);
    if (verdict.forbidden) throw new HeraldError('badRequest', { detail: `url: ${host} is a private or reserved address (see outbound-allowed-hosts)` });
  }
  return url.toString();
}
