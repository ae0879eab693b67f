import { parseArgs } from 'node:util';
import type { Config } from './config.js';
import { looksLikeEmail } from './domain/people.js';
import { createApiContext, type AppContext } from './api-context.js';
import { createDb, ensureDatabase, migrateToLatest } from './db/database.js';
import { purge } from './services/purge.js';
import { nameBreakGlassAdmin } from './services/sign-in-methods.js';
import { addStaff, changeStanding, resetStaffPassword, staffByEmail } from './services/staff.js';
import { checkStorage, removeFilesWithoutItem } from './services/storage-check.js';

export const GOVERNANCE_USAGE = [
  'npm run cli -- user add --email <email> --password <password> --role <teacher|admin>',
  'npm run cli -- user disable --email <email>',
  'npm run cli -- user enable --email <email>',
  'npm run cli -- user reset-password --email <email> [--password <temporary password>]',
  'npm run cli -- user break-glass --email <admin email> | --clear',
  'npm run cli -- storage check [--fix]',
  'npm run cli -- purge [--dry-run]',
].join('\n       ');

async function withContext<T>(config: Readonly<Config>, fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  await ensureDatabase(config.databaseUrl);
  const migrateDb = createDb(config.databaseUrl, 1);
  await migrateToLatest(migrateDb).finally(() => migrateDb.destroy());
  const ctx = createApiContext(config, { role: 'api' });
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

/**
 * The account verbs: the same use cases as the admin console's (services/staff.ts), so the same rules hold and the
 * same audit entries are left, by the system with `via: 'cli'`. A refusal (a weak password, the last admin) is
 * thrown and printed by cli.ts.
 */
async function userVerb(config: Readonly<Config>, verb: string, rest: string[]): Promise<number> {
  const { values } = parseArgs({
    args: rest,
    options: { email: { type: 'string' }, password: { type: 'string' }, role: { type: 'string', default: 'teacher' } },
    strict: true,
  });
  if (!values.email) return -1;
  const email = values.email;
  if (verb === 'add') {
    const { password, role } = values;
    if (!password || (role !== 'teacher' && role !== 'admin')) return -1;
    if (!looksLikeEmail(email)) {
      console.error(`"${email}" does not look like an email address.`);
      return 1;
    }
    return withContext(config, async (ctx) => {
      const user = await addStaff(ctx, 'cli', { email, role, password });
      console.log(`Created ${role} ${user.email} (${user.id}).`);
      return 0;
    });
  }
  return withContext(config, async (ctx) => {
    const user = await staffByEmail(ctx, email);
    if (!user) {
      console.error(`There is no staff account for ${email.trim().toLowerCase()}.`);
      return 1;
    }
    if (verb === 'disable' || verb === 'enable') {
      await changeStanding(ctx, 'cli', user.id, { disabled: verb === 'disable' });
      console.log(verb === 'disable' ? `Disabled ${user.email}; their sessions have ended.` : `Enabled ${user.email}.`);
      return 0;
    }
    const { temporaryPassword } = await resetStaffPassword(ctx, 'cli', user.id, values.password);
    console.log(`Reset the password of ${user.email}; their sessions have ended.`);
    console.log(`Temporary password (works once, to choose a new one): ${temporaryPassword}`);
    return 0;
  });
}

/** The governance verbs of `npm run cli`. Returns the exit code, or -1 for "not a verb of mine / bad usage". */
export async function governanceCli(argv: string[], config: Readonly<Config>): Promise<number> {
  const [noun, verb, ...rest] = argv;
  if (noun === 'user' && (verb === 'add' || verb === 'disable' || verb === 'enable' || verb === 'reset-password')) return userVerb(config, verb, rest);
  if (noun === 'user' && verb === 'break-glass') {
    const { values } = parseArgs({ args: rest, options: { email: { type: 'string' }, clear: { type: 'boolean', default: false } }, strict: true });
    if (!values.email === !values.clear) return -1;
    return withContext(config, async (ctx) => {
      console.log(await nameBreakGlassAdmin(ctx, values.clear ? null : values.email!));
      return 0;
    });
  }
  if (noun === 'storage' && verb === 'check') {
    const { values } = parseArgs({ args: rest, options: { fix: { type: 'boolean', default: false } }, strict: true });
    return withContext(config, async (ctx) => {
      const report = await checkStorage(ctx);
      console.log(`Files with no item: ${report.filesWithoutItem.length}`);
      for (const f of report.filesWithoutItem) console.log(`  ${f.area}/${f.itemId}`);
      console.log(`Items with missing files: ${report.itemsWithMissingFiles.length}`);
      for (const i of report.itemsWithMissingFiles) console.log(`  ${i.itemId} (${i.status}) ${JSON.stringify(i.title ?? '')}: ${i.missing.join(', ')}`);
      if (values.fix && report.filesWithoutItem.length) {
        console.log(`Removed ${await removeFilesWithoutItem(ctx, report)} folder(s) that belonged to no item.`);
        return report.itemsWithMissingFiles.length ? 1 : 0;
      }
      return report.filesWithoutItem.length || report.itemsWithMissingFiles.length ? 1 : 0;
    });
  }
  if (noun === 'purge' && (verb === undefined || verb === '--dry-run')) {
    const dryRun = verb === '--dry-run';
    return withContext(config, async (ctx) => {
      const result = await purge(ctx, { dryRun, actor: { kind: 'system', id: null } });
      const verbWord = dryRun ? 'Would delete' : 'Deleted';
      console.log(`${verbWord} ${result.items.length} item(s), ${result.bytes} bytes (retention ${result.retentionDays} days).`);
      for (const i of result.items) console.log(`  ${i.id} ${i.status} ${i.bytes} ${JSON.stringify(i.title)}`);
      return 0;
    });
  }
  return -1;
}
