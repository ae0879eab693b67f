import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * One owner per table (issue 8): every query lives in a repository under src/db/, with a name in the school's
 * words; services, routes, the worker and the CLI call those names and build no SQL themselves (Immich's rule:
 * services write no SQL). This reads every server module outside src/db/ and lists the ones that build a query:
 * a value import from kysely (its `sql` tag, expression builders; `import type` is fine, it leaves nothing at run
 * time), or a call of Kysely's query starters or its transaction.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const QUERY_CALL = /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto|selectNoFrom|transaction)\s*\(/;
const KYSELY_IMPORT = /(?:^|[\s;])import\s+(type\s+)?(\{[^}]*\}|[^'"]*?)\s+from\s+['"]kysely['"]/gm;

/** Why a module counts as building a query, or an empty list when it does not. */
function queryBuilding(text: string): string[] {
  const why: string[] = [];
  for (const m of text.matchAll(KYSELY_IMPORT)) {
    if (m[1]) continue; // import type { … } from 'kysely'
    const names = (m[2] ?? '').replace(/[{}]/g, '').split(',').map((n) => n.trim()).filter(Boolean);
    const values = names.filter((n) => !n.startsWith('type '));
    if (values.length) why.push(`imports ${values.join(', ')} from kysely`);
  }
  const call = QUERY_CALL.exec(text);
  if (call) why.push(`calls ${call[1]}()`);
  return why;
}

function serverModules(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(path.join(root, dir))) return out;
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...serverModules(rel));
    else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/**
 * Modules that still build queries of their own (issue 8's remaining work). A new entry is a new leak: add a
 * repository method instead. An entry that no longer builds a query fails the last test, so the list only shrinks.
 */
const KNOWN: string[] = [
];

const modules = [...serverModules('src'), ...serverModules('workers')].filter((f) => !f.startsWith('src/db/'));

describe('every query lives in a repository under src/db/', () => {
  it('recognises a module that builds a query, and one that only uses types', () => {
    expect(queryBuilding("import { sql } from 'kysely';")).toEqual(['imports sql from kysely']);
    expect(queryBuilding("import { sql, type ExpressionBuilder } from 'kysely';")).toEqual(['imports sql from kysely']);
    expect(queryBuilding("await ctx.db\n  .selectFrom('items')")).toEqual(['calls selectFrom()']);
    expect(queryBuilding('await db.transaction().execute(async (trx) => {})')).toEqual(['calls transaction()']);
    expect(queryBuilding("import type { Kysely } from 'kysely';\nimport { type Selectable } from 'kysely';")).toEqual([]);
    expect(queryBuilding('await ctx.repos.items.expireDue();')).toEqual([]);
  });

  it('reads the server modules (the walk can find something)', () => {
    expect(modules).toContain('src/app.ts');
    expect(modules.some((f) => f.startsWith('src/services/'))).toBe(true);
    expect(serverModules('src').filter((f) => f.startsWith('src/db/') && queryBuilding(readFileSync(path.join(root, f), 'utf8')).length).length).toBeGreaterThan(0);
  });

  it('no module outside src/db/ builds a query (beyond the known ones being moved)', () => {
    const leaks = modules
      .filter((f) => !KNOWN.includes(f))
      .map((f) => [f, queryBuilding(readFileSync(path.join(root, f), 'utf8'))] as const)
      .filter(([, why]) => why.length)
      .map(([f, why]) => `${f}: ${why.join('; ')}`);
    expect(leaks).toEqual([]);
  });

  it('every known module still builds a query (take it off the list once it is moved)', () => {
    const moved = KNOWN.filter((f) => !modules.includes(f) || queryBuilding(readFileSync(path.join(root, f), 'utf8')).length === 0);
    expect(moved).toEqual([]);
  });
});
