import type { Config } from './config.js';
import { createApiContext } from './api-context.js';
import { createDb, ensureDatabase, migrateToLatest } from './db/database.js';
import { youtubeService } from './services/youtube.js';

export const YOUTUBE_USAGE = 'npm run cli -- youtube status|update|rollback';

/** `npm run cli -- youtube …`: the same use cases as the admin console's YouTube page. Returns -1 when not ours. */
export async function youtubeCli(argv: string[], config: Readonly<Config>): Promise<number> {
  const [noun, verb] = argv;
  if (noun !== 'youtube' || !['status', 'update', 'rollback'].includes(verb ?? '')) return -1;
  await ensureDatabase(config.databaseUrl);
  const migrateDb = createDb(config.databaseUrl, 1);
  await migrateToLatest(migrateDb).finally(() => migrateDb.destroy());
  const ctx = createApiContext(config, { role: 'api' });
  try {
    const youtube = youtubeService(ctx);
    if (verb === 'status') {
      console.log(JSON.stringify(await youtube.status(), null, 2));
      return 0;
    }
    const result = verb === 'update' ? await youtube.update() : await youtube.rollback();
    if (result.ok) {
      console.log(`yt-dlp ${result.version ?? ''} is installed in ${youtube.paths.current}.`.replace('  ', ' '));
      return 0;
    }
    console.error(result.error);
    return 1;
  } finally {
    await ctx.close();
  }
}
