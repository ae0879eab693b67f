import { governanceCli, GOVERNANCE_USAGE } from './cli-governance.js';
import { backupCli, BACKUP_USAGE } from './services/backup-cli.js';
import { youtubeCli, YOUTUBE_USAGE } from './cli-youtube.js';
import { loadConfig, type Config } from './config.js';
import { isVettedError } from './domain/errors.js';
import { servicesForCommand } from './platform/services.js';

const USAGE = `Usage: npm run cli -- ${GOVERNANCE_USAGE}\n       ${YOUTUBE_USAGE}\n       ${BACKUP_USAGE}`;

async function main(argv: string[], config: Readonly<Config>): Promise<number> {
  const [noun] = argv;
  if (noun === 'backup' || noun === 'restore') return backupCli(noun, argv.slice(1), config);
  const code = noun === 'youtube' ? await youtubeCli(argv, config) : await governanceCli(argv, config);
  if (code >= 0) return code;
  console.error(USAGE);
  return 1;
}

/**
 * With no DATABASE_URL / REDIS_URL the commands use the servers of an `npm start` running on the
 * same DATA_DIR, or start them for the length of the command. The commands get a configuration
 * that names those servers.
 */
async function withServers(argv: string[]): Promise<number> {
  const base = loadConfig();
  const services = await servicesForCommand(base);
  const config: Readonly<Config> = Object.freeze({
    ...base,
    databaseUrl: services.databaseUrl,
    redisUrl: services.redisUrl,
    // The servers are running now (ours or `npm start`'s): the commands connect to them like to any other.
    embeddedPostgres: false,
    embeddedRedis: false,
  });
  try {
    return await main(argv, config);
  } finally {
    await services.stop();
  }
}

withServers(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(isVettedError(e) ? e.message : e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
