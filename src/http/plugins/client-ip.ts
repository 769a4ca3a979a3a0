import type { IncomingMessage } from 'node:http';
import type { Config } from '../../config/index.js';
import { inAddressList } from './address-list.js';

export interface ClientIpSettings {
  behindProxy: boolean;
  /** Header carrying the client chain, e.g. X-Forwarded-For. */
  forwardedHeader: string;
  /** Proxy addresses to skip when reading the chain from the right. */
  trustedProxies: readonly string[];
}

/**
 * The caller's address. Behind a proxy it is the rightmost entry of the forwarded chain that
 * is not one of our own proxies: entries further left were written by the client and can be
 * forged. With `proxy-trusted-hosts` set, the header is only believed when the connection
 * itself comes from one of those proxies (or through the Unix socket).
 */
export function clientIp(req: IncomingMessage, settings: ClientIpSettings): string {
  // A Unix-socket peer (`listen-unix`) has no address: it is a process on this machine that the
  // socket's file mode let in, so behind a proxy it counts as one of our own proxies.
  const unixPeer = req.socket.remoteAddress === undefined;
  const socketIp = req.socket.remoteAddress ?? '0.0.0.0';
  if (!settings.behindProxy) return socketIp;
  if (!unixPeer && settings.trustedProxies.length > 0 && !inAddressList(socketIp, settings.trustedProxies)) return socketIp;
  const raw = req.headers[settings.forwardedHeader.toLowerCase()];
  const chain = (Array.isArray(raw) ? raw.join(',') : (raw ?? '')).split(',').map((s) => s.trim()).filter(Boolean);
  for (let i = chain.length - 1; i >= 0; i--) {
    const entry = chain[i]!;
    if (!inAddressList(entry, settings.trustedProxies)) return entry;
  }
  return chain[0] ?? socketIp;
}

export function clientIpSettings(config: Config): ClientIpSettings {
  return { behindProxy: config.behindProxy, forwardedHeader: config.proxyForwardedHeader, trustedProxies: config.proxyTrustedHosts };
}
