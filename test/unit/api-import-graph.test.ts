import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { reachable, root, under } from '../helpers/import-graph.js';

/**
 * The API process's composition root never loads the media adapter, the sources or the worker (issue 8): those belong
 * to the worker. This walks the static and dynamic imports from the API's entry (test/helpers/import-graph.ts) and lists
 * every path that reaches src/media/, src/sources/ or src/worker/. (The yt-dlp program's management, which the admin page uses, lives in src/ytdlp/.)
 */
const WORKER_ONLY = ['src/media/', 'src/sources/', 'src/worker/'];

describe('the API process loads neither the media adapter, the sources nor the worker', () => {
  it('sees the imports it walks (the worker does reach them, so the check can fail)', () => {
    const worker = reachable(path.join(root, 'src/worker/main.ts'));
    for (const folder of WORKER_ONLY) expect(under(worker, folder).length, folder).toBeGreaterThan(0);
    expect(worker.has('src/sources/youtube/ytdlp-backend.ts')).toBe(true);
  });

  for (const entry of ['src/server.ts', 'src/app.ts']) {
    for (const folder of WORKER_ONLY) {
      it(`from ${entry}: nothing under ${folder}`, () => {
        expect(under(reachable(path.join(root, entry)), folder)).toEqual([]);
      });
    }
  }
});
