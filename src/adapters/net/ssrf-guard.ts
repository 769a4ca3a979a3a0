import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { addressInList, isForbiddenAddress } from '../../util/ip-ranges.js';
import { OutboundRequestError } from './outbound-error.js';

/** The shape of `dns.lookup(host, { all: true }, cb)`, so tests can stand in for DNS. */
export type AddressResolver = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const defaultResolver: AddressResolver = (hostname, options, callback) => dnsLookup(hostname, options, callback);

function normaliseHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

/** Whether the host itself (a name matched exactly, or an IP in a listed CIDR) is on the allow list. */
export function hostAllowed(host: string, allowedHosts: readonly string[]): boolean {
  const wanted = normaliseHost(host);
  return allowedHosts.some((entry) => normaliseHost(entry) === wanted) || addressInList(host, allowedHosts);
}

/**
 * The refusal for connecting to `address` on behalf of `host`, or undefined when it is fine:
 * public, or let through by the allow list (the host name or the address itself).
 */
export function refusalFor(host: string, address: string, allowedHosts: readonly string[]): OutboundRequestError | undefined {
  if (hostAllowed(host, allowedHosts) || addressInList(address, allowedHosts)) return undefined;
  const verdict = isForbiddenAddress(address);
  if (!verdict.forbidden) return undefined;
  const target = host === address ? address : `${host}: it resolves to ${address}`;
  return new OutboundRequestError('forbidden_address', `refusing to connect to ${target}, which is ${verdict.reason ?? 'forbidden'}`, {
    host,
    address,
  });
}

/**
 * A `lookup` for `net`/`tls`/`http2` connections that resolves every address of the host and
 * fails if any is forbidden. The check runs inside the connect path on the very addresses the
 * socket will use, so a DNS answer that changes between a check and the connect (rebinding)
 * cannot slip through. Refusing when *any* address is bad, not just the first, matters because
 * Node may try the others (Happy Eyeballs).
 */
export function createGuardedLookup(options: { allowedHosts?: readonly string[]; resolve?: AddressResolver } = {}): LookupFunction {
  const allowedHosts = options.allowedHosts ?? [];
  const resolve = options.resolve ?? defaultResolver;
  return (hostname, lookupOptions, callback) => {
    const family = lookupOptions.family === 'IPv4' ? 4 : lookupOptions.family === 'IPv6' ? 6 : (lookupOptions.family ?? 0);
    resolve(hostname, { family, hints: lookupOptions.hints, all: true }, (err, addresses) => {
      if (err || addresses.length === 0) {
        const detail = err ? `${err.code ?? err.message}` : 'no addresses';
        callback(new OutboundRequestError('dns', `could not resolve ${hostname}: ${detail}`, { host: hostname, cause: err ?? undefined }), '');
        return;
      }
      for (const { address } of addresses) {
        const refusal = refusalFor(hostname, address, allowedHosts);
        if (refusal) {
          callback(refusal, '');
          return;
        }
      }
      if (lookupOptions.all) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
