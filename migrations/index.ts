import type { Migration } from 'kysely';
import * as m001 from './001_initial.js';
import * as m002 from './002_governance.js';
import * as m003 from './003_class_members.js';
import * as m004 from './004_sign_in_methods.js';
import * as m007 from './007_viewing_and_live_sites.js';
import * as m010 from './010_board_notify.js';

/** Migrations are listed here rather than read from the folder, so they run the same under tsx, a bundle or tests. */
export const migrations: Record<string, Migration> = {
  '001_initial': m001,
  '002_governance': m002,
  '003_class_members': m003,
  '004_sign_in_methods': m004,
  '007_viewing_and_live_sites': m007,
  '010_board_notify': m010,
};
