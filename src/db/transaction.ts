import { auditRepository } from './audit.js';
import type { Db } from './database.js';
import { incidentsRepository } from './incidents.js';
import { itemsRepository } from './items.js';

/** The repositories a use case may need inside one transaction, every one bound to it. */
export function repositoriesOf(db: Db) {
  return { items: itemsRepository(db), incidents: incidentsRepository(db), audit: auditRepository(db) };
}

export type TransactionRepositories = ReturnType<typeof repositoriesOf>;

/**
 * Runs `work` in one database transaction: what it changes through the repositories it is given commits together,
 * or not at all if it throws. Rows it locks (`lock…` methods) stay locked until it returns.
 */
export function inTransaction<T>(db: Db, work: (repos: TransactionRepositories) => Promise<T>): Promise<T> {
  return db.transaction().execute((trx) => work(repositoriesOf(trx)));
}
