import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

/**
 * Worker memory (issue 11): jsdom (about 60 MB) and ytdl-core (about 27 MB) are loaded by the stage that needs
 * them, not when a worker starts or takes a YouTube job with yt-dlp. Both are CommonJS packages, so what a
 * fresh process has loaded shows in the CommonJS module cache.
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vetted-lazy-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function loadedAfter(steps: string): Promise<{ jsdom: boolean; ytdl: boolean }> {
  const src = (p: string) => JSON.stringify(path.resolve(p));
  const script = path.join(dir, `probe-${Math.random().toString(36).slice(2)}.mts`);
  await writeFile(
    script,
    `import { createRequire } from 'node:module';
const src = { runtime: ${src('src/worker/runtime.ts')}, worker: ${src('src/worker/stages/sources.ts')}, youtube: ${src('src/sources/youtube/index.ts')}, page: ${src('src/sources/web-page.ts')} };
${steps}
const keys = Object.keys(createRequire(import.meta.url).cache);
console.log(JSON.stringify({ jsdom: keys.some((k) => k.includes('/node_modules/jsdom/')), ytdl: keys.some((k) => k.includes('/node_modules/@distube/ytdl-core/')) }));
`,
  );
  const { stdout } = await run(path.resolve('node_modules/.bin/tsx'), [script], { cwd: process.cwd() });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

describe('heavy modules are loaded by the stage that needs them', () => {
  it('a worker\'s code and the YouTube source with yt-dlp load neither jsdom nor ytdl-core', async () => {
    const loaded = await loadedAfter(`await import(src.runtime); await import(src.worker);
const yt = await import(src.youtube);
yt.chooseVideoSite({ backend: 'yt-dlp' }); yt.chooseVideoSite({ backend: 'ytdl' });`);
    expect(loaded).toEqual({ jsdom: false, ytdl: false });
  });

  it('the web-page source loads jsdom, and the ytdl backend loads ytdl-core on first use (the probe can see them)', async () => {
    const loaded = await loadedAfter(`await import(src.page);
const yt = await import(src.youtube);
await yt.chooseVideoSite({ backend: 'ytdl' }).details('aaaaaaaaaaa', {} as never).catch(() => undefined);`);
    expect(loaded).toEqual({ jsdom: true, ytdl: true });
  });
});
