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

describe('no route file is imported by another route file', () => {
  const files = readdirSync(path.join(root, 'src/http')).filter((f) => /^routes-.*\.ts$/.test(f));

  it('finds the route files', () => {
    expect(files).toContain('routes-items.ts');
  });

  it('each imports no other route file', () => {
    const found = files.flatMap((f) =>
      [...readFileSync(path.join(root, 'src/http', f), 'utf8').matchAll(ROUTE_IMPORT)].map((m) => `${f} imports ${m[1]}.ts`),
    );
    expect(found).toEqual([]);
  });
});
