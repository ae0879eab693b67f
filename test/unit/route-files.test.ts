import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * A route file is a room of its own (issue 8): it validates, checks access, calls a service and presents. What two
 * routes share (a refusal, an access rule, a presenter) lives in src/domain/errors.ts, src/http/access.ts or
 * src/http/present.ts, never in a route file another one imports.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ROUTE_IMPORT = /from\s+['"]\.\/(routes-[\w-]+)\.js['"]/g;
const files = readdirSync(path.join(root, 'src/http')).filter((f) => /^routes-.*\.ts$/.test(f));
const textOf = (f: string) => readFileSync(path.join(root, 'src/http', f), 'utf8');

describe('no route file is imported by another route file', () => {
  it('finds the route files', () => {
    expect(files).toContain('routes-items.ts');
  });

  it('each imports no other route file', () => {
    const found = files.flatMap((f) => [...textOf(f).matchAll(ROUTE_IMPORT)].map((m) => `${f} imports ${m[1]}.ts`));
    expect(found).toEqual([]);
  });
});

/**
 * Routes are thin (issue 8): the side effects — repositories, transactions, the audit log, the queue, the store's
 * writes — are the services' (src/services/), which open their own transactions. A route may import types from
 * src/db/ (a row it presents), and hands the store to send-media.ts to serve a file (reading only), nothing more.
 */
const IMPORT = /(?:^|[\s;])import\s+(type\s+)?([^'"]*?)\s*from\s+['"]([^'"]+)['"]/gm;
const PAST_THE_SERVICES = /^\.\.\/(db|queue|storage)\//;
const REACHES = [
  { why: 'uses ctx.repos', re: /\bctx\.repos\b/ },
  { why: 'uses ctx.db', re: /\bctx\.db\b/ },
  { why: 'uses the queue (ctx.producer)', re: /\bctx\.producer\b/ },
  { why: 'calls the store', re: /\bctx\.store\.\w+\s*\(/ },
  { why: 'writes the audit log', re: /\baudit\.record\s*\(/ },
  { why: 'opens a transaction', re: /\.transaction\s*\(|\binTransaction\s*\(/ },
];

/** Why a route file reaches past the services, or an empty list. */
function reachesPastServices(text: string): string[] {
  const why: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[3]!;
    if (!PAST_THE_SERVICES.test(spec)) continue;
    const names = (m[2] ?? '').replace(/[{}]/g, '').split(',').map((n) => n.trim()).filter(Boolean);
    const typeOnly = !!m[1] || (names.length > 0 && names.every((n) => n.startsWith('type ')));
    if (!typeOnly) why.push(`imports ${spec}`);
  }
  for (const { why: reason, re } of REACHES) if (re.test(text)) why.push(reason);
  return why;
}

/**
 * Route files allowed to reach past the services, each with its reason. Empty: keep it so (add a service function
 * instead of an entry).
 */
const ALLOWED: Record<string, string> = {};

describe('routes call services, never the repositories, the audit log or the queue themselves', () => {
  it('recognises a route that reaches past the services, and one that does not', () => {
    expect(reachesPastServices("import { itemsRepository } from '../db/items.js';")).toEqual(['imports ../db/items.js']);
    expect(reachesPastServices("import {\n  keepingAnActiveAdmin,\n} from '../db/accounts.js';")).toEqual(['imports ../db/accounts.js']);
    expect(reachesPastServices("const { items, audit } = ctx.repos;\nawait audit.record({ action: 'x' });")).toEqual(['uses ctx.repos', 'writes the audit log']);
    expect(reachesPastServices('await ctx.db.transaction().execute(async () => {});')).toEqual(['uses ctx.db', 'opens a transaction']);
    expect(reachesPastServices("await ctx.producer.enqueue('fetch', id, 0);\nawait ctx.store.removeItem(id);")).toEqual(['uses the queue (ctx.producer)', 'calls the store']);
    expect(reachesPastServices("import type { ItemRow } from '../db/schema.js';\nimport { type ItemEvents } from '../db/item-events.js';")).toEqual([]);
    expect(reachesPastServices("import { submitLink } from '../services/submit.js';\nreturn sendMedia(request, reply, ctx.store, file);")).toEqual([]);
  });

  it('no route file reaches past the services (beyond the allowed ones)', () => {
    const found = files
      .filter((f) => !(f in ALLOWED))
      .map((f) => [f, reachesPastServices(textOf(f))] as const)
      .filter(([, why]) => why.length)
      .map(([f, why]) => `${f}: ${why.join('; ')}`);
    expect(found).toEqual([]);
  });

  it('every allowed route file still needs its entry', () => {
    expect(Object.keys(ALLOWED).filter((f) => !files.includes(f) || reachesPastServices(textOf(f)).length === 0)).toEqual([]);
  });
});
