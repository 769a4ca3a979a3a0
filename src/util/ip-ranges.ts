/**
 * Which IP addresses an outbound request may target, decided on the address alone.
 *
 * Parsing is done here rather than with `node:net` so the rules are visible in one place and the
 * module stays pure. It is deliberately strict: forms that some resolvers accept but that hide the
 * real target (`127.1`, `0x7f.0.0.1`, `010.0.0.1`) are "unparseable", and unparseable is forbidden.
 */

/** A parsed address or network. IPv4 values are 32-bit, IPv6 values 128-bit, both as bigint. */
export interface Cidr {
  family: 4 | 6;
  /** The network address with host bits cleared. */
  network: bigint;
  prefix: number;
}

export interface AddressVerdict {
  forbidden: boolean;
  /** Why the address is forbidden, naming the range (e.g. `private (10.0.0.0/8)`). */
  reason?: string;
}

interface ParsedAddress {
  family: 4 | 6;
  value: bigint;
}

const V4_PART = /^(0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIPv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!V4_PART.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseHexGroups(text: string, allowTrailingV4: boolean): bigint[] | undefined {
  if (text === '') return [];
  const groups: bigint[] = [];
  const parts = text.split(':');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (allowTrailingV4 && i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIPv4(part);
      if (v4 === undefined) return undefined;
      groups.push(v4 >> 16n, v4 & 0xffffn);
    } else if (HEX_GROUP.test(part)) {
      groups.push(BigInt(parseInt(part, 16)));
    } else {
      return undefined;
    }
  }
  return groups;
}

function parseIPv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  let groups: bigint[];
  if (halves.length === 2) {
    const head = parseHexGroups(halves[0]!, false);
    const tail = parseHexGroups(halves[1]!, true);
    // `::` stands for at least one zero group, so 8 explicit groups around it is malformed.
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<bigint>(8 - head.length - tail.length).fill(0n), ...tail];
  } else {
    const all = parseHexGroups(text, true);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

function parseAddress(text: string): ParsedAddress | undefined {
  if (text.includes(':')) {
    const value = parseIPv6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIPv4(text);
  return value === undefined ? undefined : { family: 4, value };
}

function bitsOf(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

function contains(cidr: Cidr, address: ParsedAddress): boolean {
  if (cidr.family !== address.family) return false;
  const shift = BigInt(bitsOf(cidr.family) - cidr.prefix);
  return address.value >> shift === cidr.network >> shift;
}

/** Parses `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or `v6/n`; a bare address is a /32 or /128. */
export function parseCidr(entry: string): Cidr | undefined {
  const slash = entry.indexOf('/');
  const address = parseAddress(slash === -1 ? entry : entry.slice(0, slash));
  if (!address) return undefined;
  const bits = bitsOf(address.family);
  let prefix = bits;
  if (slash !== -1) {
    const text = entry.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(text) || Number(text) > bits) return undefined;
    prefix = Number(text);
  }
  const shift = BigInt(bits - prefix);
  return { family: address.family, network: (address.value >> shift) << shift, prefix };
}

interface Range {
  cidr: Cidr;
  kind: string;
  label: string;
}

function range(text: string, kind: string): Range {
  const cidr = parseCidr(text);
  if (!cidr) throw new Error(`ip-ranges: bad built-in range ${text}`);
  return { cidr, kind, label: `${kind} (${text})` };
}

// Order matters only for the reason reported: the narrower, more telling range comes first.
const V4_FORBIDDEN: readonly Range[] = [
  range('0.0.0.0/8', 'unspecified'),
  range('127.0.0.0/8', 'loopback'),
  range('10.0.0.0/8', 'private'),
  range('172.16.0.0/12', 'private'),
  range('192.168.0.0/16', 'private'),
  range('169.254.169.254/32', 'cloud metadata'),
  range('169.254.0.0/16', 'link-local'),
  range('100.64.0.0/10', 'carrier-grade NAT'),
  range('198.18.0.0/15', 'benchmarking'),
  range('192.0.0.0/24', 'IETF protocol assignments'),
  range('192.0.2.0/24', 'documentation'),
  range('198.51.100.0/24', 'documentation'),
  range('203.0.113.0/24', 'documentation'),
  range('192.88.99.0/24', '6to4 relay anycast'),
  range('224.0.0.0/4', 'multicast'),
  range('255.255.255.255/32', 'broadcast'),
  range('240.0.0.0/4', 'reserved'),
];

const V6_FORBIDDEN: readonly Range[] = [
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('64:ff9b:1::/48', 'local-use NAT64'),
  range('100::/64', 'discard-only'),
  range('2001::/32', 'Teredo'),
  range('2001:2::/48', 'benchmarking'),
  // The rest of 2001::/23 is IANA special-purpose space (anycast for protocols, ORCHID, ...).
  range('2001::/23', 'IETF special purpose'),
  range('2001:db8::/32', 'documentation'),
  range('3fff::/20', 'documentation'),
  range('fc00::/7', 'unique local'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'site-local'),
  range('ff00::/8', 'multicast'),
];

// Forms that carry an IPv4 address inside an IPv6 one: the v4 part is what a translator or
// tunnel will actually reach, so it must pass the IPv4 rules. `shift` locates those 32 bits.
const V6_EMBEDDING_V4: ReadonlyArray<{ range: Range; shift: bigint }> = [
  { range: range('::ffff:0:0/96', 'IPv4-mapped'), shift: 0n },
  { range: range('::/96', 'IPv4-compatible'), shift: 0n },
  { range: range('64:ff9b::/96', 'NAT64'), shift: 0n },
  { range: range('2002::/16', '6to4'), shift: 80n },
];

const GLOBAL_UNICAST = range('2000::/3', 'global unicast').cidr;

function judge(address: ParsedAddress): AddressVerdict {
  const ranges = address.family === 4 ? V4_FORBIDDEN : V6_FORBIDDEN;
  for (const r of ranges) {
    if (contains(r.cidr, address)) return { forbidden: true, reason: r.label };
  }
  if (address.family === 4) return { forbidden: false };
  for (const { range: r, shift } of V6_EMBEDDING_V4) {
    if (!contains(r.cidr, address)) continue;
    const inner = judge({ family: 4, value: (address.value >> shift) & 0xffffffffn });
    return inner.forbidden ? { forbidden: true, reason: `${r.kind} ${inner.reason}` } : { forbidden: false };
  }
  // Everything public in IPv6 today is inside 2000::/3; the rest is unassigned or special, so
  // refusing it closes ranges that a deny list would only catch once someone remembers them.
  if (!contains(GLOBAL_UNICAST, address)) return { forbidden: true, reason: 'reserved (outside 2000::/3)' };
  return { forbidden: false };
}

/**
 * Whether `ip` must never be the target of an outbound request. Anything that is not a plain
 * dotted-quad IPv4 or a well-formed IPv6 address (no brackets, no zone) is forbidden.
 */
export function isForbiddenAddress(ip: string): AddressVerdict {
  if (ip.includes('%')) return { forbidden: true, reason: 'scoped address (has a zone id)' };
  const address = parseAddress(ip);
  if (!address) return { forbidden: true, reason: 'not an IP address' };
  return judge(address);
}

/**
 * Whether `ip` matches any IP or CIDR in `entries`. Entries that are not IPs or CIDRs (host
 * names share allow lists with addresses) are skipped. An IPv4-mapped IPv6 address also matches
 * IPv4 entries, because the OS may report an IPv4 peer that way.
 */
export function addressInList(ip: string, entries: readonly string[]): boolean {
  const address = parseAddress(ip);
  if (!address) return false;
  const candidates = [address];
  const mapped = V6_EMBEDDING_V4[0]!.range.cidr;
  if (contains(mapped, address)) candidates.push({ family: 4, value: address.value & 0xffffffffn });
  for (const entry of entries) {
    const cidr = parseCidr(entry);
    if (cidr && candidates.some((c) => contains(cidr, c))) return true;
  }
  return false;
}

/** True when `text` is an IPv4 or IPv6 literal as accepted by {@link isForbiddenAddress}. */
export function isIpLiteral(text: string): boolean {
  return parseAddress(text) !== undefined;
}
