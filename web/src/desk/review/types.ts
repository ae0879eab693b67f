import type { Item } from '../../shared/types';

/** Runs one decision against the API and says how it went; true when it worked. */
export type Act = (what: string, run: () => Promise<Item>, ok: string) => Promise<boolean>;
