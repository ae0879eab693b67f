import type { Config } from './config.js';
import { auditRepository } from './db/audit.js';
import { boardsRepository } from './db/boards.js';
import { classesRepository, playlistsRepository } from './db/classes.js';
import { classMembersRepository } from './db/class-members.js';
import { storageLeasesRepository } from './db/storage-leases.js';
import { remakesRepository } from './db/remakes.js';
import { createDb, type Db } from './db/database.js';
import { itemsRepository } from './db/items.js';
import { usersRepository } from './db/users.js';
import { accountsRepository } from './db/accounts.js';
import { auditQuery } from './db/audit-query.js';
import { domainRulesRepository } from './db/domain-rules.js';
import { incidentsRepository } from './db/incidents.js';
import { settingsRepository } from './db/settings.js';
import { remindersRepository } from './db/reminders.js';
import { attentionRepository } from './db/attention.js';
import { viewingsRepository } from './db/viewings.js';
import { opsStatsRepository } from './db/ops-stats.js';
import { youtubeStatusRepository } from './db/youtube-status.js';
import { loginThrottle } from './auth/login-throttle.js';
import { loginFailuresRepository } from './db/login-failures.js';
import { createOidcClient, type OidcClient } from './auth/oidc.js';
import { schoolAccountsRepository } from './db/school-accounts.js';
import { parseAllowList } from './net/address.js';
import { createProducer, type Producer } from './queue/producer.js';
import { createStore, type MediaStore } from './storage/store.js';

/**
 * The API's composition root: the service's side effects, built once per process and passed down. It never loads
 * the media adapter or the video sites (those are the worker's, `src/worker/context.ts`, which extends this one);
 * test/unit/api-import-graph.test.ts keeps it so. Tests build theirs with a test database and queue prefix.
 */
export interface AppContext {
  config: Readonly<Config>;
  db: Db;
  repos: {
    items: ReturnType<typeof itemsRepository>;
    users: ReturnType<typeof usersRepository>;
    classes: ReturnType<typeof classesRepository>;
    classMembers: ReturnType<typeof classMembersRepository>;
    storageLeases: ReturnType<typeof storageLeasesRepository>;
    remakes: ReturnType<typeof remakesRepository>;
    playlists: ReturnType<typeof playlistsRepository>;
    boards: ReturnType<typeof boardsRepository>;
    audit: ReturnType<typeof auditRepository>;
    // Safeguarding governance (issue 4).
    accounts: ReturnType<typeof accountsRepository>;
    auditQuery: ReturnType<typeof auditQuery>;
    incidents: ReturnType<typeof incidentsRepository>;
    domainRules: ReturnType<typeof domainRulesRepository>;
    settings: ReturnType<typeof settingsRepository>;
    reminders: ReturnType<typeof remindersRepository>;
    attention: ReturnType<typeof attentionRepository>;
    viewings: ReturnType<typeof viewingsRepository>;
    opsStats: ReturnType<typeof opsStatsRepository>;
    youtube: ReturnType<typeof youtubeStatusRepository>;
    loginThrottle: ReturnType<typeof loginThrottle>;
    schoolAccounts: ReturnType<typeof schoolAccountsRepository>;
  };
  /** School-account sign-in (OpenID Connect), when configured. Tests may swap in one with a wrong clock. */
  oidc: OidcClient | null;
  producer: Producer;
  store: MediaStore;
  close(): Promise<void>;
}

export function createApiContext(config: Readonly<Config>, opts: { role: 'api' | 'worker' } = { role: 'api' }): AppContext {
  // Fail at start on a bad FETCH_ALLOW_PRIVATE entry rather than at the first fetch.
  parseAllowList(config.fetchAllowPrivate);
  const db = createDb(config.databaseUrl);
  const producer = createProducer({ redisUrl: config.redisUrl, prefix: config.queuePrefix, backoffMs: config.jobBackoffMs }, { failFast: opts.role === 'api' });
  const store = createStore(config);
  return {
    config,
    db,
    repos: {
      items: itemsRepository(db),
      users: usersRepository(db),
      classes: classesRepository(db),
      classMembers: classMembersRepository(db),
      storageLeases: storageLeasesRepository(db),
      remakes: remakesRepository(db),
      playlists: playlistsRepository(db),
      boards: boardsRepository(db),
      audit: auditRepository(db),
      accounts: accountsRepository(db),
      auditQuery: auditQuery(db),
      incidents: incidentsRepository(db),
      domainRules: domainRulesRepository(db),
      settings: settingsRepository(db),
      reminders: remindersRepository(db),
      attention: attentionRepository(db),
      viewings: viewingsRepository(db),
      opsStats: opsStatsRepository(db),
      youtube: youtubeStatusRepository(db),
      loginThrottle: loginThrottle(loginFailuresRepository(db, config.loginWindowMinutes), {
        perAccount: config.loginMaxFailuresPerAccount,
        perAddress: config.loginMaxFailuresPerAddress,
        windowMinutes: config.loginWindowMinutes,
      }),
      schoolAccounts: schoolAccountsRepository(db),
    },
    oidc: config.oidc ? createOidcClient(config.oidc, { redirectUri: `${config.publicUrl}/api/auth/oidc/callback` }) : null,
    producer,
    store,
    async close() {
      await producer.close();
      await db.destroy();
      await store.close();
    },
  };
}
