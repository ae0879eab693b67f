import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { backup, BackupError, restore } from './backup.js';

export const BACKUP_USAGE = [
  'npm run cli -- backup --out <file> [--no-media]',
  'npm run cli -- restore --from <file>',
].join('\n       ');

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/** `backup` and `restore`; the database is whatever DATABASE_URL (or the embedded server) names. */
export async function backupCli(noun: 'backup' | 'restore', args: string[], config: Readonly<Config>): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { out: { type: 'string' }, from: { type: 'string' }, 'no-media': { type: 'boolean', default: false } },
    strict: true,
  });
  try {
    if (noun === 'backup') {
      if (!values.out) return usage();
      const m = await backup(config, config.databaseUrl, { out: values.out, media: !values['no-media'] });
      console.log(
        `Wrote ${values.out} (${mb(m.bytes)}): the database (${m.counts.classes} classes, ${m.counts.items} items, ` +
          `${m.counts.auditEntries} audit entries)${m.mediaFolders.length ? ' and the media' : ', without the media'}.`,
      );
      return 0;
    }
    if (!values.from) return usage();
    const m = await restore(config, config.databaseUrl, { from: values.from });
    console.log(
      `Restored the backup of ${m.createdAt}: ${m.counts.classes} classes, ${m.counts.items} items, ${m.counts.auditEntries} audit entries` +
        `${m.mediaFolders.length ? ' and the media' : ' (no media in this backup)'}. Start Vetted as usual.`,
    );
    return 0;
  } catch (e) {
    if (e instanceof BackupError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
}

function usage(): number {
  console.error(`Usage: ${BACKUP_USAGE}`);
  return 1;
}
