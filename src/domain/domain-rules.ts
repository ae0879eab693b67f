import { domainToASCII } from 'node:url';
import { VettedError } from './errors.js';

/**
 * The school's filtering policy by domain, as pure rules (no I/O).
 *
 * A pattern is `example.com` or `*.example.com`:
 * - `example.com` covers example.com itself and every name under it (www.example.com, a.b.example.com),
 *   as school web filters usually read a domain;
 * - `*.example.com` covers only the names under example.com, not example.com itself.
 *
 * When several rules cover a host, the most specific one decides: the rule with the longest domain wins;
 * for the same domain, `*.example.com` beats `example.com` on names under it; and when two rules are equally
 * specific (the same pattern can only be there once, so only through a future rule source), block beats allow.
 */
export type DomainRuleAction = 'allow' | 'block';

export interface DomainRule {
  id: string;
  pattern: string;
  action: DomainRuleAction;
}

export interface RuleMatch<R extends DomainRule = DomainRule> {
  rule: R;
  specificity: number;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

export const patternInvalid = (raw: string) =>
  new VettedError(
    'pattern_invalid',
    `"${raw.slice(0, 100)}" is not a domain. Write a domain such as example.com (it covers the names under it too), or paste a link from the site.`,
    { httpStatus: 400 },
  );

/** A host as rules compare it: lower case, without a trailing dot, international names in their xn-- form. */
export function normaliseHost(host: string): string | undefined {
  let h = host.trim().toLowerCase().replace(/\.$/, '');
  if (h.startsWith('[') || h.includes(':')) return undefined; // IPv6 literals are never named by a rule
  if (IPV4.test(h)) return h;
  h = domainToASCII(h);
  if (!h || h.length > 253) return undefined;
  return h.split('.').every((l) => LABEL.test(l)) ? h : undefined;
}

/**
 * A host as rules match it, whatever its shape: lower case, without trailing dots or IPv6 brackets, the xn-- form
 * where there is one. Unlike `normaliseHost` it never gives up, so a name the strict reading refuses
 * (`x_y.badsite.example`, a label starting with `-`, over 253 characters) is still under `badsite.example`:
 * a wildcard-DNS site cannot escape its block rule by an odd name.
 */
export function matchableHost(host: string): string {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.+$/, '');
  if (h.includes(':')) return h;
  const ascii = domainToASCII(h);
  return ascii || h;
}

/** IPv6 literals: readable, though no rule ever names one. */
const isIpv6Literal = (host: string) => host.replace(/^\[(.*)\]$/, '$1').includes(':');

/** Checks and normalises a pattern typed by the admin; throws `pattern_invalid`. */
export function parsePattern(raw: string): string {
  let text = raw.trim();
  // A full link pasted where a domain is asked for means its domain (as the import already reads it).
  if (/^https?:\/\//i.test(text)) {
    try {
      text = new URL(text).hostname;
    } catch {
      throw patternInvalid(raw);
    }
  }
  const wildcard = text.startsWith('*.');
  const base = normaliseHost(wildcard ? text.slice(2) : text);
  if (!base) throw patternInvalid(raw);
  if (wildcard && (IPV4.test(base) || !base.includes('.'))) throw patternInvalid(raw);
  return wildcard ? `*.${base}` : base;
}

/**
 * Reads a plain domain list as filter vendors and block lists publish them: one domain per line; `#` and `!`
 * start comments; `.example.com` means `*.example.com`; hosts-file lines (`0.0.0.0 example.com`) give their
 * name; a pasted link gives its host. Lines that are none of these are returned as skipped, never guessed at.
 */
export function parseDomainList(text: string): { patterns: string[]; skipped: Array<{ line: number; text: string }> } {
  const patterns = new Set<string>();
  const skipped: Array<{ line: number; text: string }> = [];
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.replace(/[#!].*$/, '').trim();
    if (!line) return;
    let candidate = line;
    const fields = line.split(/\s+/);
    if (fields.length === 2 && /^(0\.0\.0\.0|127\.0\.0\.1|::1?)$/.test(fields[0]!)) candidate = fields[1]!;
    else if (fields.length > 1) {
      skipped.push({ line: index + 1, text: rawLine.slice(0, 200) });
      return;
    }
    if (/^https?:\/\//i.test(candidate)) {
      try {
        candidate = new URL(candidate).hostname;
      } catch {
        skipped.push({ line: index + 1, text: rawLine.slice(0, 200) });
        return;
      }
    }
    if (candidate.startsWith('.')) candidate = `*${candidate}`;
    try {
      patterns.add(parsePattern(candidate));
    } catch {
      skipped.push({ line: index + 1, text: rawLine.slice(0, 200) });
    }
  });
  return { patterns: [...patterns], skipped };
}

/** How specifically `pattern` covers `host`, or undefined when it does not cover it at all. */
/**
 * `example.com` and `*.example.com` both cover example.com and every name under it (issue 15: a teacher who
 * blocks `*.tiktok.com` means tiktok.com too, and the console's hint says so). Where both are set for one
 * domain, the bare rule decides for the domain itself and the wildcard for the names under it.
 */
export function specificity(pattern: string, host: string): number | undefined {
  const wildcard = pattern.startsWith('*.');
  const base = wildcard ? pattern.slice(2) : pattern;
  const labels = base.split('.').length;
  if (host === base) return labels * 2 + (wildcard ? 0 : 1);
  if (host.endsWith(`.${base}`)) return labels * 2 + (wildcard ? 1 : 0);
  return undefined;
}

/** The rule that decides for `host`, or null when no rule covers it. */
export function decidingRule<R extends DomainRule>(rules: readonly R[], rawHost: string): RuleMatch<R> | null {
  const host = matchableHost(rawHost);
  if (!host) return null;
  let best: RuleMatch<R> | null = null;
  for (const rule of rules) {
    const s = specificity(rule.pattern, host);
    if (s === undefined) continue;
    if (!best || s > best.specificity || (s === best.specificity && rule.action === 'block' && best.rule.action === 'allow')) {
      best = { rule, specificity: s };
    }
  }
  return best;
}

export type HostVerdict<R extends DomainRule = DomainRule> =
  | { ok: true; rule: R | null }
  | { ok: false; reason: 'blocked'; rule: R }
  | { ok: false; reason: 'not_allow_listed'; rule: null }
  | { ok: false; reason: 'unreadable_host'; rule: null };

/**
 * The verdict for one host. `allowListOnly` is the school's optional setting for site lists: there, a host
 * must be covered by an allow rule, not merely escape the block rules.
 */
export function judgeHost<R extends DomainRule>(rules: readonly R[], host: string, allowListOnly = false): HostVerdict<R> {
  const match = decidingRule(rules, host);
  if (match?.rule.action === 'block') return { ok: false, reason: 'blocked', rule: match.rule };
  // Where rules apply, a name no filter can read for sure is refused rather than let through: the school's
  // own web filter may read it differently from us.
  const readable = isIpv6Literal(host) || normaliseHost(host) !== undefined;
  if (!readable && (rules.length > 0 || allowListOnly)) return { ok: false, reason: 'unreadable_host', rule: null };
  if (allowListOnly && !match) return { ok: false, reason: 'not_allow_listed', rule: null };
  return { ok: true, rule: match?.rule ?? null };
}

/** The refusal a teacher (or a failed item) reads, naming the rule that matched. */
export function verdictError(verdict: Exclude<HostVerdict, { ok: true }>, host: string): VettedError {
  if (verdict.reason === 'blocked') {
    return new VettedError(
      'domain_blocked',
      `The school's filtering policy blocks ${host} (rule "${verdict.rule.pattern}"). Choose a link from another site, or ask your e-safety lead.`,
      { httpStatus: 422, transient: false },
    );
  }
  if (verdict.reason === 'unreadable_host') {
    return new VettedError(
      'host_unreadable',
      `The site name "${host.slice(0, 100)}" is not an ordinary domain name, so the school's filtering rules cannot be checked for it. Choose a link from another site, or ask your e-safety lead.`,
      { httpStatus: 422, transient: false },
    );
  }
  return new VettedError(
    'domain_not_allowed',
    `Site lists may only use domains on the school's allow list, and ${host} is not on it. Ask your e-safety lead to add it.`,
    { httpStatus: 422, transient: false },
  );
}

/** The host part of a link as rules match it (see `matchableHost`), or undefined when it has none. */
export function hostOfUrl(url: string): string | undefined {
  try {
    return matchableHost(new URL(url).hostname) || undefined;
  } catch {
    return undefined;
  }
}

/** A plain domain list (one per line), the format web filters import. */
export function toDomainList(hosts: readonly string[]): string {
  const unique = [...new Set(hosts)].sort();
  return unique.length ? `${unique.join('\n')}\n` : '';
}

/**
 * A proxy auto-config file that lets the browser reach the listed hosts (and names under them) and
 * Vetted itself directly, and sends everything else to `otherwise` (by default a proxy that does not
 * exist, so the browser shows an error instead of the page).
 */
export function toPac(hosts: readonly string[], opts: { title: string; ownHost?: string; otherwise?: string; generatedAt?: Date }): string {
  const list = [...new Set([...(opts.ownHost ? [opts.ownHost] : []), ...hosts])].sort();
  const comment = opts.title.replace(/[\r\n\u2028\u2029]+/g, ' ').slice(0, 200);
  const otherwise = opts.otherwise ?? 'PROXY 127.0.0.1:9';
  return [
    `// Vetted: approved sites of ${comment}`,
    `// Generated ${(opts.generatedAt ?? new Date()).toISOString()}. Hosts listed here and names under them go direct; everything else does not.`,
    'function FindProxyForURL(url, host) {',
    '  host = host.toLowerCase();',
    `  var allowed = ${JSON.stringify(list)};`,
    '  for (var i = 0; i < allowed.length; i++) {',
    '    if (host === allowed[i] || dnsDomainIs(host, "." + allowed[i])) return "DIRECT";',
    '  }',
    `  return ${JSON.stringify(otherwise)};`,
    '}',
    '',
  ].join('\n');
}

/** Proxy results a PAC file may name for blocked traffic: `PROXY host:port` or `SOCKS host:port`. */
export function isPacResult(value: string): boolean {
  return /^(PROXY|SOCKS5?|HTTPS) [A-Za-z0-9.-]{1,253}:\d{1,5}$/.test(value);
}
