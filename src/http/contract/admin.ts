import { Type, type Static } from '@sinclair/typebox';
import { Choice, IsoTime, Nullable } from './common.js';
import { Role } from './staff.js';
import { Recheck } from './governance.js';

/** The e-safety lead's console: staff accounts, the reminder, the audit log, school settings and the installation. */

/** A staff account as the admin sees it. */
export const Account = Type.Object({
  id: Type.String(),
  email: Type.String({ description: 'a pseudonym ("former staff #…") once the account is erased' }),
  role: Role,
  disabled: Type.Boolean(),
  mustChangePassword: Type.Boolean(),
  erased: Type.Boolean(),
  erasedAt: Nullable(IsoTime),
  createdAt: IsoTime,
  passwordChangedAt: IsoTime,
  lastSeenAt: Nullable(IsoTime),
  activeSessions: Type.Integer(),
  acknowledgedVersion: Nullable(Type.Integer()),
  signInMethods: Type.Array(Choice(['password', 'school_account'])),
  breakGlass: Type.Boolean({ description: 'the admin who may still sign in with a password when password sign-in is off' }),
});
export const AccountList = Type.Object({ users: Type.Array(Account) });
export const AccountAnswer = Type.Object({ user: Account });
export const PasswordReset = Type.Object({ user: Account, temporaryPassword: Type.String({ description: 'shown once, to hand over in person' }) });
export const AccountErased = Type.Object({ user: Account, pseudonym: Type.String() });
/** Everything Vetted holds about one staff member (subject access); the sections are as stored. */
export const SubjectAccessExport = Type.Object({
  exportedAt: IsoTime,
  about: Type.String(),
  account: Type.Unknown(),
  sessions: Type.Unknown(),
  reminderAcknowledgements: Type.Unknown(),
  auditEntries: Type.Unknown(),
  auditEntriesAboutThisAccount: Type.Unknown(),
  itemsSubmitted: Type.Unknown(),
  itemsReviewed: Type.Unknown(),
  classesCreated: Type.Unknown(),
  incidentsReported: Type.Unknown(),
  incidentsResolved: Type.Unknown(),
  domainRulesCreated: Type.Unknown(),
  remindersWritten: Type.Unknown(),
});

export const ReminderVersion = Type.Object({ version: Type.Integer(), text: Type.String(), createdAt: IsoTime, createdBy: Type.String() });
export const Reminders = Type.Object({ current: ReminderVersion, history: Type.Array(ReminderVersion) });
export const ReminderSaved = Type.Object({ version: Type.Integer(), text: Type.String(), createdAt: IsoTime });
const Person = Type.Object({ id: Type.String(), email: Type.String(), role: Role });
export const ReminderAcknowledgements = Type.Object({
  currentVersion: Type.Integer(),
  acknowledgements: Type.Array(Type.Object({ user: Person, version: Type.Integer(), acknowledgedAt: IsoTime })),
  notYetAcknowledgedCurrent: Type.Array(Person),
});

export const AuditEntry = Type.Object({
  id: Type.String(),
  at: IsoTime,
  actor: Type.String(),
  actorKind: Type.String(),
  actorId: Nullable(Type.String()),
  action: Type.String(),
  target: Nullable(Type.String()),
  targetLabel: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  detail: Type.Unknown(),
});
export const AuditLog = Type.Object({ entries: Type.Array(AuditEntry) });

export const SchoolSettings = Type.Object({
  defaultExpiry: Nullable(Type.Object({ days: Type.Optional(Type.Number()), until: Type.Optional(IsoTime) })),
  sitesAllowListOnly: Type.Boolean(),
  approvalNeedsWatching: Type.Boolean(),
  purgeAfterDays: Type.Number(),
  purgeSchedule: Type.String(),
});
export const SchoolSettingsSaved = Type.Composite([SchoolSettings, Type.Object({ recheck: Nullable(Recheck) })]);

export const RouteRules = Type.Object({
  routes: Type.Array(Type.Object({ method: Type.String(), url: Type.String(), access: Type.String() })),
});

export const WordList = Type.Object({ flag: Type.Array(Type.String()), ignore: Type.Array(Type.String()) });

const AdminWarning = Type.Object({
  code: Type.String(),
  message: Type.String(),
  detail: Type.Optional(Type.String()),
  at: Type.Optional(Type.String()),
});
export const YoutubeStatus = Type.Object({
  backend: Type.String(),
  version: Nullable(Type.String()),
  ageDays: Nullable(Type.Number()),
  source: Choice(['configured', 'managed', 'system', 'missing']),
  runtime: Nullable(Type.Object({ name: Choice(['deno', 'node']), path: Type.String(), version: Nullable(Type.String()) })),
  updater: Type.Object({ enabled: Type.Boolean(), managed: Type.Boolean(), lastCheck: Nullable(Type.String()), lastError: Nullable(Type.String()) }),
  network: Type.Object({
    schoolProxy: Type.Boolean(),
    potProviderConfigured: Type.Boolean(),
    potProvider: Type.Boolean(),
    cookies: Type.Boolean(),
  }),
  warnings: Type.Array(AdminWarning),
});
export const YoutubeUpdateQueued = Type.Object({ queued: Type.Literal(true) });
export const YoutubeProgramInstalled = Type.Object({ version: Type.String(), status: YoutubeStatus });

export const SignInSettings = Type.Object({
  passwordSignIn: Type.Object({ open: Type.Boolean(), byConfiguration: Choice(['on', 'off']), bySchool: Type.String() }),
  schoolAccount: Nullable(
    Type.Object({
      issuer: Type.String(),
      label: Type.String(),
      allowedDomains: Type.Array(Type.String()),
      autoCreate: Choice(['off', 'teacher']),
      redirectUri: Type.String(),
    }),
  ),
  breakGlassAdmin: Nullable(Type.Object({ id: Type.String(), email: Type.String() })),
});
export const ProviderCheck = Type.Object({ ok: Type.Boolean(), message: Type.String() });

export type Account = Static<typeof Account>;
export type ReminderVersion = Static<typeof ReminderVersion>;
export type ReminderAcknowledgements = Static<typeof ReminderAcknowledgements>;
export type AuditEntry = Static<typeof AuditEntry>;
export type SchoolSettings = Static<typeof SchoolSettings>;
export type WordList = Static<typeof WordList>;
export type YoutubeStatus = Static<typeof YoutubeStatus>;
export type SignInSettings = Static<typeof SignInSettings>;
