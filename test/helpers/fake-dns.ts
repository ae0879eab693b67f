import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';

/**
 * A tiny DNS server on 127.0.0.1 for tests (DNS_SERVERS points the fetcher at it), so nothing is looked up on the
 * internet. It answers A questions for the names in `names`, says "no such name" (NXDOMAIN) for the rest, and
 * can be switched to behave like a server with no internet: `silent` (never answers) or `failing` (SERVFAIL for
 * every name, as a resolver whose upstream is unreachable answers).
 */
export interface FakeDns {
  /** `127.0.0.1:<port>`, for DNS_SERVERS. */
  server: string;
  names: Map<string, string>;
  mode: 'answer' | 'silent' | 'failing';
  /** Questions received, lower-case names. */
  asked: string[];
  /**
   * Runs `action` once `questions` more questions about `name` have been answered: e.g. the internet goes down
   * right after the submit's lookup (A and AAAA: two questions), before the worker's.
   */
  after(name: string, questions: number, action: () => void): void;
  close(): Promise<void>;
}

function readName(msg: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = offset;
  while (i < msg.length && msg[i] !== 0) {
    const len = msg[i]!;
    labels.push(msg.toString('latin1', i + 1, i + 1 + len));
    i += 1 + len;
  }
  return { name: labels.join('.').toLowerCase(), end: i + 1 };
}

function answer(query: Buffer, dns: FakeDns): Buffer | undefined {
  if (query.length < 12) return undefined;
  const { name, end } = readName(query, 12);
  const type = query.readUInt16BE(end);
  const question = query.subarray(12, end + 4);
  dns.asked.push(name);
  if (dns.mode === 'silent') return undefined;
  queueMicrotask(() => triggers.get(dns)?.(name));
  const address = dns.names.get(name);
  const rcode = dns.mode === 'failing' ? 2 : address === undefined ? 3 : 0;
  const withAnswer = rcode === 0 && type === 1; // A only; AAAA of a known name is "no data"
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // the question's id
  header.writeUInt16BE(0x8180 | rcode, 2); // a response, recursion desired and available
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(withAnswer ? 1 : 0, 6);
  if (!withAnswer) return Buffer.concat([header, question]);
  const record = Buffer.alloc(16);
  record.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
  record.writeUInt16BE(1, 2); // A
  record.writeUInt16BE(1, 4); // IN
  record.writeUInt32BE(5, 6); // TTL
  record.writeUInt16BE(4, 10);
  address!.split('.').forEach((part, i) => record.writeUInt8(Number(part), 12 + i));
  return Buffer.concat([header, question, record]);
}

const triggers = new WeakMap<FakeDns, (name: string) => void>();

export async function startFakeDns(names: Record<string, string> = {}): Promise<FakeDns> {
  const socket = dgram.createSocket('udp4');
  const dns: FakeDns = {
    server: '',
    names: new Map(Object.entries(names).map(([k, v]) => [k.toLowerCase(), v])),
    mode: 'answer',
    asked: [],
    after(name, questions, action) {
      let left = questions;
      const previous = triggers.get(dns);
      triggers.set(dns, (asked) => {
        previous?.(asked);
        if (asked === name.toLowerCase() && left > 0 && --left === 0) action();
      });
    },
    close: () => new Promise<void>((r) => socket.close(() => r())),
  };
  socket.on('message', (msg, from) => {
    const reply = answer(msg, dns);
    if (reply) socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  dns.server = `127.0.0.1:${(socket.address() as AddressInfo).port}`;
  return dns;
}

/** Names the resolver's "does DNS work at all?" check asks about, answered with a documentation address never contacted. */
export const CONTROL_ANSWERS: Record<string, string> = {
  'www.google.com': '192.0.2.1',
  'www.wikipedia.org': '192.0.2.2',
  'www.bbc.co.uk': '192.0.2.3',
};
