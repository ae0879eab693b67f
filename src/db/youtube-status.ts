import type { Db } from './database.js';
import { settingsRepository } from './settings.js';

/**
 * What the admin console shows about YouTube and the updater, kept in the school settings table:
 * - youtube_updater_enabled: `false` when the admin turned the daily update off (on by default)
 * - youtube_pot_provider_enabled: `true` while the admin has the PO-token provider (YOUTUBE_POT_PROVIDER_URL) on
 * - youtube_updater: `{lastCheck, lastError, version}` of the last update attempt
 * - youtube_warnings: yt-dlp's own warnings an admin can act on, the latest of each kind
 */
export interface UpdaterRecord {
  lastCheck: string | null;
  lastError: string | null;
  version: string | null;
}

export interface RecordedWarning {
  code: string;
  message: string;
  detail: string;
  at: string;
}

const MAX_WARNINGS = 20;

export function youtubeStatusRepository(db: Db) {
  const settings = settingsRepository(db);
  return {
    async updaterEnabled(): Promise<boolean> {
      return (await settings.read('youtube_updater_enabled')) !== false;
    },
    async setUpdaterEnabled(on: boolean, by: string | null): Promise<void> {
      await settings.write('youtube_updater_enabled', on ? null : false, by);
    },
    /** Off until an admin turns it on: it lets yt-dlp load plugins and reach a private address. */
    async potProviderEnabled(): Promise<boolean> {
      return (await settings.read('youtube_pot_provider_enabled')) === true;
    },
    async setPotProviderEnabled(on: boolean, by: string | null): Promise<void> {
      await settings.write('youtube_pot_provider_enabled', on ? true : null, by);
    },
    async updater(): Promise<UpdaterRecord> {
      const r = (await settings.read('youtube_updater')) as Partial<UpdaterRecord> | undefined;
      return { lastCheck: r?.lastCheck ?? null, lastError: r?.lastError ?? null, version: r?.version ?? null };
    },
    async recordUpdate(record: UpdaterRecord): Promise<void> {
      await settings.write('youtube_updater', record, null);
    },
    async warnings(): Promise<RecordedWarning[]> {
      const list = (await settings.read('youtube_warnings')) as RecordedWarning[] | undefined;
      return Array.isArray(list) ? list : [];
    },
    /** Keeps the newest warning of each kind; a kind seen again moves to the front with its new time. */
    async recordWarnings(found: Array<Omit<RecordedWarning, 'at'>>, at = new Date()): Promise<void> {
      if (found.length === 0) return;
      const codes = new Set(found.map((w) => w.code));
      const kept = (await this.warnings()).filter((w) => !codes.has(w.code));
      const fresh = found.map((w) => ({ code: w.code, message: w.message, detail: w.detail, at: at.toISOString() }));
      await settings.write('youtube_warnings', [...fresh, ...kept].slice(0, MAX_WARNINGS), null);
    },
    /** After a successful update the old program's complaints no longer apply. */
    async clearWarnings(): Promise<void> {
      await settings.write('youtube_warnings', null, null);
    },
  };
}

export type YoutubeStatusRepository = ReturnType<typeof youtubeStatusRepository>;
