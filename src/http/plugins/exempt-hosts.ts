import { BlockList, isIP } from 'node:net';

/**
 * True when the address is listed in `visitor-request-limit-exempt-hosts`: an IP, a CIDR range,
 * or `localhost`. Host names other than localhost are not resolved here.
 */
export function isExemptHost(ip: string, entries: readonly string[]): boolean {
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
