import { sql } from 'kysely';
import { cleanWordList, EMPTY_WORD_LIST, type WordList } from '../domain/word-list.js';
import type { Db } from './database.js';

/**
 * School-wide settings the admin changes at run time (environment variables are for the installation).
 * - default_expiry: `{days?: number, until?: ISO time}` — applied when an item is approved without an expiry
 *   (by the items_default_expiry trigger; see migrations/002_governance.ts)
 * - sites_allow_list_only: `true` when site lists may only use domains on the allow list
 * - word_list: `{flag: string[], ignore: string[]}` — the school's own words for the word screen
 * - password_sign_in_off: `true` when the admin turned password sign-in off (the break-glass admin still may)
 * - approval_needs_watching: `false` when teachers may approve without having played the copy (on by default)
 */
export interface DefaultExpiry {
  days?: number;
  until?: string;
}

export interface SchoolSettings {
  defaultExpiry: DefaultExpiry | null;
  sitesAllowListOnly: boolean;
  approvalNeedsWatching: boolean;
}

export function settingsRepository(db: Db) {
  async function read(key: string): Promise<unknown> {
    const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }
  async function write(key: string, value: unknown, by: string | null): Promise<void> {
    if (value === null || value === undefined) {
      await db.deleteFrom('settings').where('key', '=', key).execute();
      return;
    }
    await db
      .insertInto('settings')
      .values({ key, value: JSON.stringify(value), updated_by: by })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value), updated_by: by, updated_at: sql`now()` as never }))
      .execute();
  }
  return {
    /** Raw access for other settings repositories in this folder (e.g. youtube-status.ts), same table. */
    read,
    write,
    async get(): Promise<SchoolSettings> {
      const expiry = (await read('default_expiry')) as DefaultExpiry | undefined;
      return {
        defaultExpiry: expiry ?? null,
        sitesAllowListOnly: (await read('sites_allow_list_only')) === true,
        approvalNeedsWatching: (await read('approval_needs_watching')) !== false,
      };
    },
    async setDefaultExpiry(value: DefaultExpiry | null, by: string | null): Promise<void> {
      const clean: DefaultExpiry = {};
      if (value?.days !== undefined) clean.days = value.days;
      if (value?.until !== undefined) clean.until = value.until;
      await write('default_expiry', Object.keys(clean).length ? clean : null, by);
    },
    async wordList(): Promise<WordList> {
      const stored = (await read('word_list')) as Partial<WordList> | undefined;
      return stored ? cleanWordList(stored) : EMPTY_WORD_LIST;
    },
    async setWordList(list: WordList, by: string | null): Promise<WordList> {
      const clean = cleanWordList(list);
      await write('word_list', clean.flag.length || clean.ignore.length ? clean : null, by);
      return clean;
    },
    async passwordSignInOff(): Promise<boolean> {
      return (await read('password_sign_in_off')) === true;
    },
    async setPasswordSignInOff(off: boolean, by: string | null): Promise<void> {
      await write('password_sign_in_off', off ? true : null, by);
    },
    async setSitesAllowListOnly(on: boolean, by: string | null): Promise<void> {
      await write('sites_allow_list_only', on ? true : null, by);
    },
    async setApprovalNeedsWatching(on: boolean, by: string | null): Promise<void> {
      // Stored only when switched off: the safe default needs no row.
      await write('approval_needs_watching', on ? null : false, by);
    },
  };
}

export type SettingsRepository = ReturnType<typeof settingsRepository>;
