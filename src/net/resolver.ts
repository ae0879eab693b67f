/**
 * Turning a host name into addresses, and telling the two reasons a name can fail apart (issue 15): the name does
 * not exist (the teacher's link is wrong) or the server cannot look anything up at all (its internet is down, or its
 * DNS server does not answer). Both look alike to one lookup; a second lookup of names that certainly exist decides.
 */
import { promises as dns } from 'node:dns';
import net from 'node:net';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** The operating system's resolver (getaddrinfo): /etc/hosts, then the DNS servers of /etc/resolv.conf. */
export const systemResolver: HostResolver = async (hostname) => {
  const found = await dns.lookup(hostname, { all: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

function serverAddress(entry: string): string {
  const text = entry.trim();
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+))(?::(\d{1,5}))?$/.exec(text) ?? /^([0-9a-fA-F:]+)$/.exec(text);
  const ip = m?.[1] ?? m?.[2];
  const port = m?.[3];
  if (!ip || !net.isIP(ip) || (port !== undefined && (Number(port) < 1 || Number(port) > 65535))) {
    throw new Error(`Invalid DNS server "${entry}" (DNS_SERVERS): expected an IP address, optionally with a port, such as 10.0.0.53 or 127.0.0.1:5353.`);
  }
  if (port === undefined) return ip;
  return net.isIP(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Checks DNS_SERVERS entries at start; throws a sentence naming the bad one. */
export function parseDnsServers(entries: string[]): string[] {
  return entries.map((e) => e.trim()).filter(Boolean).map(serverAddress);
}

/**
 * Asks the given DNS servers directly (DNS_SERVERS: a school's filtering resolver, or a test's own on 127.0.0.1),
 * bypassing /etc/hosts. A name with only an IPv4 or only an IPv6 address is fine; neither is "not found".
 */
export function dnsServersResolver(servers: string[], timeoutMs: number): HostResolver {
  const resolver = new dns.Resolver({ timeout: Math.max(100, timeoutMs), tries: 1 });
  resolver.setServers(parseDnsServers(servers));
  return async (hostname) => {
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(hostname), resolver.resolve6(hostname)]);
    const found: ResolvedAddress[] = [
      ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 as const })) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 as const })) : []),
    ];
    if (found.length > 0) return found;
    // "No such name" only when the server said so; any other failure (timeout, refused) is the lookup's own.
    const reasons = [v4, v6].flatMap((r) => (r.status === 'rejected' ? [r.reason as NodeJS.ErrnoException] : []));
    throw reasons.find((r) => r.code !== 'ENODATA' && r.code !== 'ENOTFOUND') ?? reasons[0] ?? Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
  };
}

const configured = new Map<string, HostResolver>();

/** The resolver a configuration asks for: its DNS servers, or the system's. One per setting, so verdicts are shared. */
export function resolverFor(dnsServers: readonly string[], timeoutMs: number): HostResolver {
  if (dnsServers.length === 0) return systemResolver;
  const key = `${dnsServers.join(',')}|${timeoutMs}`;
  let resolver = configured.get(key);
  if (!resolver) {
    resolver = dnsServersResolver([...dnsServers], timeoutMs);
    configured.set(key, resolver);
  }
  return resolver;
}

/** Names that certainly exist: when none of them resolves either, the server cannot look anything up. */
export const CONTROL_NAMES = ['www.google.com', 'www.wikipedia.org', 'www.bbc.co.uk'];

/** What a failed lookup means. */
export type LookupDiagnosis = 'no_such_name' | 'lookups_failing';

// Only "nothing resolves" is remembered, briefly: while the server is offline a burst of failures costs one check,
// and a working DNS is re-confirmed each time (one quick answer) so a name that does not exist is never misjudged.
const OFFLINE_VERDICT_MS = 10_000;
const offlineSince = new WeakMap<HostResolver, number>();

/**
 * After a lookup failed: can this resolver find names that certainly exist? If so the failed name is the link's
 * problem; if not, the server's.
 */
export async function diagnoseLookupFailure(resolve: HostResolver, timeoutMs: number): Promise<LookupDiagnosis> {
  const since = offlineSince.get(resolve);
  if (since !== undefined && Date.now() - since < OFFLINE_VERDICT_MS) return 'lookups_failing';
  const attempt = (name: string) =>
    resolve(name).then((found) => (found.length > 0 ? true : Promise.reject(new Error('empty'))));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
  });
  const dnsWorks = await Promise.race([Promise.any(CONTROL_NAMES.map(attempt)), deadline]).then(
    () => true,
    () => false,
  );
  clearTimeout(timer);
  if (dnsWorks) offlineSince.delete(resolve);
  else offlineSince.set(resolve, Date.now());
  return dnsWorks ? 'no_such_name' : 'lookups_failing';
}
