import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { reachable, root, under } from '../helpers/import-graph.js';

/**
 * The worker's memory (issue 11, ≤ 150 MB while it downloads and transcodes a 950 MB source): the libraries only one
 * stage needs are loaded by that stage with `import()`, never when the worker starts. Each holds megabytes the worker
 * would carry through every download and every ffmpeg run: the AWS SDK (a school on local disk never needs it), the
 * page cleaner (jsdom, Readability, DOMPurify), the YouTube client and the word screen's library.
 */
const LOADED_ON_FIRST_USE = ['@aws-sdk/', 'jsdom', '@mozilla/readability', 'dompurify', '@distube/ytdl-core', 'obscenity'];

describe('the worker starts without the libraries only one stage needs', () => {
  const entry = path.join(root, 'src/worker/main.ts');
  const atStart = reachable(entry, { dynamic: false });

  it('sees what the stages load later (so the check can fail)', () => {
    const ever = reachable(entry, { dynamic: true });
    for (const pkg of LOADED_ON_FIRST_USE) expect(under(ever, pkg).length, pkg).toBeGreaterThan(0);
    // And what it loads at start: the queue, the database.
    expect(atStart.has('bullmq')).toBe(true);
    expect(atStart.has('kysely')).toBe(true);
  });

  for (const pkg of LOADED_ON_FIRST_USE) {
    it(`loads ${pkg} only when a stage needs it`, () => {
      expect(under(atStart, pkg)).toEqual([]);
    });
  }
});
