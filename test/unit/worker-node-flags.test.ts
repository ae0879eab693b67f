import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKER_NODE_FLAGS } from '../../src/worker/node-flags.js';
import { root } from '../helpers/import-graph.js';

/**
 * A worker runs with the same Node flags however it is started (src/worker/node-flags.ts says why they matter for its
 * memory): the written-out copies in package.json and docker-compose.yml, and the launchers that take the list itself.
 */
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

describe("the worker's Node flags", () => {
  it('are not empty (so the checks below can fail)', () => {
    expect(WORKER_NODE_FLAGS.length).toBeGreaterThan(0);
  });

  it('npm run start:worker passes them before the entry', () => {
    const script = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts['start:worker']!;
    const args = script.split(/\s+/);
    const entry = args.indexOf('dist/src/worker/main.js');
    expect(entry).toBeGreaterThan(0);
    for (const flag of WORKER_NODE_FLAGS) expect(args.slice(0, entry)).toContain(flag);
  });

  it("docker-compose.yml's worker passes them before the entry", () => {
    const command = /\n {2}worker:\n(?: {4}.*\n)*? {4}command: (\[.*\])/.exec(read('docker-compose.yml'))?.[1];
    const args = JSON.parse(command ?? '[]') as string[];
    const entry = args.indexOf('dist/src/worker/main.js');
    expect(entry).toBeGreaterThan(0);
    for (const flag of WORKER_NODE_FLAGS) expect(args.slice(0, entry)).toContain(flag);
  });

  it("npm start's worker and the benchmark's take the list itself", () => {
    expect(read('src/main.ts')).toMatch(/\.\.\.WORKER_NODE_FLAGS, path\.join\(here, 'worker'/);
    expect(read('bench/pipeline.ts').match(/\.\.\.WORKER_NODE_FLAGS/g)?.length).toBe(2);
  });
});
