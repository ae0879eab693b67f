import { parseArgs } from 'node:util';
import { hashPassword } from './auth/passwords.js';
import { checkNewPassword } from './auth/password-policy.js';
import { governanceCli, GOVERNANCE_USAGE } from './cli-governance.js';
import { backupCli, BACKUP_USAGE } from './services/backup-cli.js';
import { youtubeCli, YOUTUBE_USAGE } from './cli-youtube.js';
import { loadConfig, type Config } from './config.js';
import { auditRepository } from './db/audit.js';
import { createDb, ensureDatabase, migrateToLatest } from './db/database.js';
import { usersRepository } from './db/users.js';
import { isVettedError } from './domain/errors.js';
import { servicesForCommand } from './platform/services.js';

/** `npm run cli -- user add --email … --password … --role teacher|admin` */
const USAGE = `Usage: npm run cli -- user add --email <email> --password <password> --role <teacher|admin>\n       ${GOVERNANCE_USAGE}\n       ${YOUTUBE_USAGE}\n       ${BACKUP_USAGE}`;

async function main(argv: string[], config: Readonly<Config>): Promise<number> {
  const [noun, verb, ...rest] = argv;
  if (noun === 'backup' || noun === 'restore') return backupCli(noun, argv.slice(1), config);
  if (noun === 'youtube') {
    const code = await youtubeCli(argv, config);
    if (code >= 0) return code;
    console.error(USAGE);
    return 1;
  }
  if (noun !== 'user' || verb !== 'add') {
    const code = await governanceCli(argv, config);
    if (code >= 0) return code;
    console.error(USAGE);
    return 1;
  }
  const { values } = parseArgs({
    args: rest,
    options: { email: { type: 'string' }, password: { type: 'string' }, role: { type: 'string', default: 'teacher' } },
    strict: true,
  });
  const { email, password, role } = values;
  if (!email || !password || (role !== 'teacher' && role !== 'admin')) {
    console.error(USAGE);
    return 1;
  }
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
    console.error(`"${email}" does not look like an email address.`);
    return 1;
  }
  checkNewPassword(password, { email });
  await ensureDatabase(config.databaseUrl);
  const db = createDb(config.databaseUrl, 1);
  try {
    await migrateToLatest(db);
    const users = usersRepository(db);
    if (await users.byEmail(email)) {
      console.error(`A staff account for ${email.trim().toLowerCase()} already exists.`);
      return 1;
    }
    const user = await users.create(email, await hashPassword(password), role);
    await auditRepository(db).record({ actorId: null, actorKind: 'system', action: 'user.create', target: `user:${user.id}`, detail: { via: 'cli', role } });
    console.log(`Created ${role} ${user.email} (${user.id}).`);
    return 0;
  } catch (e) {
    if ((e as { code?: string }).code === '23505') {
      console.error(`A staff account for ${email.trim().toLowerCase()} already exists.`);
      return 1;
    }
    throw e;
  } finally {
    await db.destroy();
  }
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
