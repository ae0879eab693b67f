import type { Item } from '../../shared/types';

/**
 * Runs one decision against the API and says how it went; true when it worked. `key` names the action,
 * so one the session ended in the middle of can be offered again after signing in.
 */
export type Act = (what: string, run: () => Promise<Item>, ok: string, key?: string) => Promise<boolean>;
