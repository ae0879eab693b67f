import { sql, type Kysely } from 'kysely';

// Issue 15: what each reviewer has played of an item (approval follows watching), and the teacher's
// explicit choice to open an allow-listed site live on the board instead of its vetted copy, and when a
// class's board was last seen.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('item_viewings')
    .addColumn('item_id', 'uuid', (c) => c.notNull().references('items.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // Ranges count only for the copy they were played on: a re-made clip starts from nothing.
    .addColumn('media_generation', 'integer', (c) => c.notNull())
    .addColumn('ranges', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('coverage', 'real', (c) => c.notNull().defaultTo(0))
    .addColumn('first_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('item_viewings_pk', ['item_id', 'user_id'])
    .execute();
  await db.schema.alterTable('items').addColumn('open_live', 'boolean', (c) => c.notNull().defaultTo(false)).execute();
  // When a board last showed the class: a class no board has ever shown gets a prompt to pair one.
  await db.schema.alterTable('classes').addColumn('board_seen_at', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('classes').dropColumn('board_seen_at').execute();
  await db.schema.alterTable('items').dropColumn('open_live').execute();
  await db.schema.dropTable('item_viewings').execute();
}
