import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** Parsed IPs/CIDRs that may be reached although they are loopback or private (e.g. a test fixture, a LAN mirror). */
export type AllowList = ReadonlyArray<readonly [Address, number]>;

export type AddressVerdict = { ok: true } | { ok: false; reason: string };

// Everything outside 2000::/3 is unassigned or special-purpose; ipaddr.js calls some of it (e.g. the deprecated
// IPv4-compatible ::a.b.c.d) "unicast", so this second fence keeps those out too.
const IPV6_GLOBAL_UNICAST: readonly [ipaddr.IPv6, number] = [ipaddr.IPv6.parse('2000::'), 3];

function unmap(addr: Address): Address {
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (addr as ipaddr.IPv6).toIPv4Address();
  }
  return addr;
}

function badEntry(entry: string): Error {
  return new Error(
    `Invalid fetch allow-list entry "${entry}" (FETCH_ALLOW_PRIVATE): expected an IP address or CIDR range ` +
      'such as 127.0.0.1, ::1 or 10.0.0.0/8.',
  );
}

function parseEntry(entry: string): readonly [Address, number] {
  const [ip = '', bitsText, ...rest] = entry.split('/');
  if (rest.length > 0) throw badEntry(entry);
  // Only dotted-quad IPv4 in configuration: "10" or "0x7f.1" are valid to ipaddr.js but almost surely a typo here.
  const isV4 = ipaddr.IPv4.isValidFourPartDecimal(ip);
  if (!isV4 && !ipaddr.IPv6.isValid(ip)) throw badEntry(entry);
  let addr: Address = ipaddr.parse(ip);
  let bits = addr.kind() === 'ipv4' ? 32 : 128;
  if (bitsText !== undefined) {
    if (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > bits) throw badEntry(entry);
    bits = Number(bitsText);
  }
  const unmapped = unmap(addr);
  if (unmapped !== addr) {
    if (bits < 96) throw badEntry(entry);
    addr = unmapped;
    bits -= 96;
  }
  return [addr, bits] as const;
}

export function parseAllowList(entries: string[]): AllowList {
  return entries
    .map((e) => e.trim())
    .filter(Boolean)
    .map(parseEntry);
}

function allowed(addr: Address, allow: AllowList): boolean {
  return allow.some(([range, bits]) => range.kind() === addr.kind() && addr.match(range, bits));
}

/**
 * Decides whether the service may open a connection to `ip`. Only public unicast addresses pass, unless the address
 * is inside the allow list. IPv4-mapped IPv6 is judged as the IPv4 address it carries, because that is where the
 * packets go.
 */
export function checkAddress(ip: string, allow: AllowList): AddressVerdict {
  const bare = ip.trim().replace(/^\[(.*)\]$/, '$1');
  if (!ipaddr.isValid(bare)) return { ok: false, reason: `"${ip}" is not an IP address` };
  const addr = unmap(ipaddr.parse(bare));
  if (allowed(addr, allow)) return { ok: true };
  const range = addr.range();
  if (range !== 'unicast') return { ok: false, reason: `${addr.toString()} is a ${range} address` };
  if (addr.kind() === 'ipv6' && !addr.match(IPV6_GLOBAL_UNICAST[0], IPV6_GLOBAL_UNICAST[1])) {
    return { ok: false, reason: `${addr.toString()} is outside the global unicast range 2000::/3` };
  }
  return { ok: true };
}
