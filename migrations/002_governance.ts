import { sql, type Kysely } from 'kysely';

// Safeguarding governance: incident reports, the filtering policy, school settings (default expiry, allow-list
// mode), failed-login counters for rate limiting, and the default expiry applied when an item is approved.
export async function up(db: Kysely<any>): Promise<void> {
  // An incident outlives its item (the purge deletes item rows), so it keeps a snapshot of what was reported
  // and refers to the item by id only: no foreign key that could cascade or block.
  await db.schema
    .createTable('incidents')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('item_id', 'uuid', (c) => c.notNull())
    .addColumn('item_title', 'text')
    .addColumn('item_url', 'text', (c) => c.notNull())
    .addColumn('item_kind', 'text', (c) => c.notNull())
    .addColumn('item_status_before', 'text', (c) => c.notNull())
    .addColumn('class_id', 'uuid')
    .addColumn('class_name', 'text')
    .addColumn('playlist_id', 'uuid')
    .addColumn('playlist_name', 'text')
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('reporter_kind', 'text', (c) => c.notNull().check(sql`reporter_kind IN ('staff', 'board', 'system')`))
    // A staff member's user id, or a board's class id; null for the system.
    .addColumn('reporter_id', 'uuid')
    .addColumn('reporter_ip', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open').check(sql`status IN ('open', 'resolved')`))
    .addColumn('resolution', 'text', (c) => c.check(sql`resolution IN ('reinstate', 'remove')`))
    .addColumn('resolution_note', 'text')
    .addColumn('resolved_by', 'uuid')
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('incidents_item_idx').on('incidents').column('item_id').execute();
  await db.schema.createIndex('incidents_status_idx').on('incidents').columns(['status', 'created_at']).execute();

  await db.schema
    .createTable('domain_rules')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('pattern', 'text', (c) => c.notNull().unique())
    .addColumn('action', 'text', (c) => c.notNull().check(sql`action IN ('allow', 'block')`))
    .addColumn('note', 'text')
    .addColumn('created_by', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'jsonb', (c) => c.notNull())
    .addColumn('updated_by', 'uuid')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Failed logins within the rate-limit window; older rows are deleted as new ones arrive.
  await db.schema
    .createTable('login_failures')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('login_failures_email_idx').on('login_failures').columns(['email', 'at']).execute();
  await db.schema.createIndex('login_failures_ip_idx').on('login_failures').columns(['ip', 'at']).execute();

  await db.schema.createIndex('audit_log_actor_idx').on('audit_log').columns(['actor_id', 'at']).execute();
  await db.schema.createIndex('audit_log_target_idx').on('audit_log').column('target').execute();

  // Every approved item has an expiry: an item approved (or reinstated) without one gets the school's
  // default, the earlier of "N days from now" and a fixed date such as the end of term (a date already past
  // is ignored). Done here so that every path to `approved` applies it, whichever code makes the move.
  await sql`
    CREATE FUNCTION items_default_expiry() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      s jsonb;
      candidate timestamptz;
      until_at timestamptz;
    BEGIN
      SELECT value INTO s FROM settings WHERE key = 'default_expiry';
      IF s IS NULL THEN RETURN NEW; END IF;
      IF jsonb_typeof(s->'days') = 'number' THEN
        candidate := now() + make_interval(days => (s->>'days')::int);
      END IF;
      IF jsonb_typeof(s->'until') = 'string' THEN
        until_at := (s->>'until')::timestamptz;
        IF until_at > now() AND (candidate IS NULL OR until_at < candidate) THEN candidate := until_at; END IF;
      END IF;
      NEW.expires_at := candidate;
      RETURN NEW;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER items_default_expiry BEFORE UPDATE ON items FOR EACH ROW
    WHEN (NEW.status = 'approved' AND OLD.status IS DISTINCT FROM 'approved' AND NEW.expires_at IS NULL)
    EXECUTE FUNCTION items_default_expiry()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER items_default_expiry ON items`.execute(db);
  await sql`DROP FUNCTION items_default_expiry()`.execute(db);
  await db.schema.dropIndex('audit_log_target_idx').execute();
  await db.schema.dropIndex('audit_log_actor_idx').execute();
  await db.schema.dropTable('login_failures').execute();
  await db.schema.dropTable('settings').execute();
  await db.schema.dropTable('domain_rules').execute();
  await db.schema.dropTable('incidents').execute();
}
