import { BlockList, isIP } from 'node:net';

/**
 * True when the address is in a list of IPs, CIDR ranges and `localhost` (used for
 * `visitor-request-limit-exempt-hosts` and `proxy-trusted-hosts`). Other host names are not
 * resolved here.
 */
export function inAddressList(ip: string, entries: readonly string[]): boolean {
  if (entries.length === 0) return false;
  const address = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  const list = new BlockList();
  for (const entry of entries) {
    if (entry === 'localhost') {
      list.addAddress('127.0.0.1');
      list.addAddress('::1', 'ipv6');
      continue;
    }
    const [net, bits] = entry.split('/');
    const entryFamily = isIP(net ?? '') === 6 ? 'ipv6' : isIP(net ?? '') === 4 ? 'ipv4' : undefined;
    if (!entryFamily) continue;
    if (bits !== undefined) list.addSubnet(net!, Number(bits), entryFamily);
    else list.addAddress(net!, entryFamily);
  }
  return list.check(address, family);
}
