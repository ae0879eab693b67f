import { sql, type Kysely } from 'kysely';

// Trust (issue 9): classes belong to their member teachers; a class can be deleted (its board link dies, the row
// stays for the incident log until its items are purged); a session remembers which reminder version it must
// acknowledge, so a new reminder applies at each person's next sign-in rather than cutting everyone off at once.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('class_members')
    .addColumn('class_id', 'uuid', (c) => c.notNull().references('classes.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('added_by', 'uuid')
    .addColumn('added_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('class_members_pk', ['class_id', 'user_id'])
    .execute();
  await db.schema.createIndex('class_members_user_idx').on('class_members').column('user_id').execute();

  // Nothing is lost on upgrade: every teacher could act on every class before, so every teacher is a member of
  // every existing class (erased accounts excepted), and so is each class's creator whatever their role.
  await sql`
    INSERT INTO class_members (class_id, user_id)
    SELECT c.id, u.id FROM classes c CROSS JOIN users u WHERE u.role = 'teacher' AND u.erased_at IS NULL
    UNION
    SELECT c.id, c.created_by FROM classes c WHERE c.created_by IS NOT NULL
    ON CONFLICT DO NOTHING`.execute(db);

  await db.schema.alterTable('classes').addColumn('deleted_at', 'timestamptz').execute();

  // A default expiry date outside the years 1970–9999 (accepted before dates were checked strictly) made every
  // approval fail; drop it, keeping the "days" part of the setting.
  await sql`
    UPDATE settings SET value = value - 'until'
    WHERE key = 'default_expiry' AND jsonb_typeof(value->'until') = 'string'
      AND value->>'until' !~ '^(19[7-9][0-9]|[2-9][0-9]{3})-[0-9]{2}-[0-9]{2}'`.execute(db);

  // A re-made copy of an approved item (a new trim) is made as a draft item beside it, so the approved copy
  // stays on the board meanwhile; when the draft is approved, in the same transaction the old item leaves the
  // board (rejected, "replaced"), and the draft takes its place in the playlist and keeps its expiry.
  await sql`
    CREATE FUNCTION items_remake_replaces() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      old_position integer;
      old_expiry timestamptz;
    BEGIN
      UPDATE items
        SET status = 'rejected', reject_reason = 'Replaced by a re-made copy', reviewed_by = NEW.reviewed_by,
            reviewed_at = now(), updated_at = now()
        WHERE id = (NEW.details->>'remakeOf')::uuid AND status = 'approved' AND playlist_id = NEW.playlist_id
        RETURNING position, expires_at INTO old_position, old_expiry;
      IF FOUND THEN
        NEW.position := old_position;
        IF old_expiry IS NOT NULL THEN NEW.expires_at := old_expiry; END IF;
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER items_remake_replaces BEFORE UPDATE ON items FOR EACH ROW
    WHEN (NEW.status = 'approved' AND OLD.status IS DISTINCT FROM 'approved' AND NEW.details ? 'remakeOf')
    EXECUTE FUNCTION items_remake_replaces()`.execute(db);

  // Storage being written before its item row exists (an upload's original), which `storage check --fix` must
  // not take for an orphan.
  await db.schema
    .createTable('storage_leases')
    .addColumn('item_id', 'uuid', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('taken_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // The reminder version current when the session began: the one this session must acknowledge. Existing
  // sessions keep the version they acknowledged (or the current one).
  await db.schema.alterTable('sessions').addColumn('reminder_version', 'integer').execute();
  await sql`UPDATE sessions SET reminder_version = coalesce(acknowledged_version, (SELECT max(version) FROM reminders))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER items_remake_replaces ON items`.execute(db);
  await sql`DROP FUNCTION items_remake_replaces()`.execute(db);
  await db.schema.dropTable('storage_leases').execute();
  await db.schema.alterTable('sessions').dropColumn('reminder_version').execute();
  await db.schema.alterTable('classes').dropColumn('deleted_at').execute();
  await db.schema.dropTable('class_members').execute();
}
