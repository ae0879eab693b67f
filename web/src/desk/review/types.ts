import type { Item } from '../../shared/types';

/**
 * Runs one decision against the API and says how it went; true when it worked. (A session that ends
 * meanwhile holds the request until the same person signs in again: see `session` in shared/api.ts.)
 */
export type Act = (what: string, run: () => Promise<Item>, ok: string) => Promise<boolean>;
