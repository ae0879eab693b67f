import { sql, type Kysely } from 'kysely';

// Open boards and the board cache of every API process learn of item changes from `item_changed`. A board also
// changes when its class changes (board link rotated, class renamed or deleted) or a playlist is added, renamed or
// deleted: those rows announce themselves on `board_changed` with the class id, so no API process keeps serving a
// board (or a dead board link) from its cache, whichever process or tool made the change. A change to the domain
// rules changes every board (which live sites may open) and is announced as `{"all": true}`.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION playlists_board_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('board_changed', json_build_object('classId', OLD.class_id)::text);
        RETURN OLD;
      END IF;
      PERFORM pg_notify('board_changed', json_build_object('classId', NEW.class_id)::text);
      IF TG_OP = 'UPDATE' AND OLD.class_id IS DISTINCT FROM NEW.class_id THEN
        PERFORM pg_notify('board_changed', json_build_object('classId', OLD.class_id)::text);
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER playlists_board_notify AFTER INSERT OR UPDATE OR DELETE ON playlists
    FOR EACH ROW EXECUTE FUNCTION playlists_board_notify()`.execute(db);

  await sql`
    CREATE FUNCTION classes_board_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('board_changed', json_build_object('classId', OLD.id)::text);
        RETURN OLD;
      END IF;
      -- When a board was last seen is bookkeeping, written by board reads themselves: not a change of the board.
      IF (to_jsonb(OLD) - 'board_seen_at') IS DISTINCT FROM (to_jsonb(NEW) - 'board_seen_at') THEN
        PERFORM pg_notify('board_changed', json_build_object('classId', OLD.id)::text);
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER classes_board_notify AFTER UPDATE OR DELETE ON classes
    FOR EACH ROW EXECUTE FUNCTION classes_board_notify()`.execute(db);

  await sql`
    CREATE FUNCTION domain_rules_board_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('board_changed', '{"all": true}');
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE TRIGGER domain_rules_board_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON domain_rules
    FOR EACH STATEMENT EXECUTE FUNCTION domain_rules_board_notify()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS domain_rules_board_notify ON domain_rules`.execute(db);
  await sql`DROP FUNCTION IF EXISTS domain_rules_board_notify()`.execute(db);
  await sql`DROP TRIGGER IF EXISTS classes_board_notify ON classes`.execute(db);
  await sql`DROP FUNCTION IF EXISTS classes_board_notify()`.execute(db);
  await sql`DROP TRIGGER IF EXISTS playlists_board_notify ON playlists`.execute(db);
  await sql`DROP FUNCTION IF EXISTS playlists_board_notify()`.execute(db);
}
