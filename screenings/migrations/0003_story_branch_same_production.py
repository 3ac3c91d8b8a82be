"""A branch joins two episodes of the same production, held by the database too.

Django has no composite foreign keys, so a trigger refuses (as an integrity
error) any branch row whose source and target belong to different
productions, and any episode moved to another production while it has
branches. Services check the same rule first and give a readable error.
"""

from django.db import migrations

POSTGRES_CREATE = [
    """
    CREATE FUNCTION screenings_branch_same_production() RETURNS trigger AS $$
    BEGIN
        IF (SELECT production_id FROM screenings_episode WHERE id = NEW.source_id)
           IS DISTINCT FROM (SELECT production_id FROM screenings_episode WHERE id = NEW.target_id) THEN
            RAISE EXCEPTION 'A branch joins two episodes of the same production'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER screenings_branch_same_production
    BEFORE INSERT OR UPDATE OF source_id, target_id ON screenings_branch
    FOR EACH ROW EXECUTE FUNCTION screenings_branch_same_production()
    """,
    """
    CREATE FUNCTION screenings_episode_keeps_production() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM screenings_branch WHERE source_id = NEW.id OR target_id = NEW.id) THEN
            RAISE EXCEPTION 'An episode with branches cannot move to another production'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER screenings_episode_keeps_production
    BEFORE UPDATE OF production_id ON screenings_episode
    FOR EACH ROW WHEN (OLD.production_id IS DISTINCT FROM NEW.production_id)
    EXECUTE FUNCTION screenings_episode_keeps_production()
    """,
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS screenings_episode_keeps_production ON screenings_episode",
    "DROP FUNCTION IF EXISTS screenings_episode_keeps_production()",
    "DROP TRIGGER IF EXISTS screenings_branch_same_production ON screenings_branch",
    "DROP FUNCTION IF EXISTS screenings_branch_same_production()",
]

_SQLITE_DIFFERENT = """
    (SELECT production_id FROM screenings_episode WHERE id = NEW.source_id)
    IS NOT (SELECT production_id FROM screenings_episode WHERE id = NEW.target_id)
"""
SQLITE_CREATE = [
    f"""
    CREATE TRIGGER screenings_branch_same_production_insert BEFORE INSERT ON screenings_branch
    WHEN {_SQLITE_DIFFERENT}
    BEGIN SELECT RAISE(ABORT, 'A branch joins two episodes of the same production'); END
    """,
    f"""
    CREATE TRIGGER screenings_branch_same_production_update BEFORE UPDATE OF source_id, target_id
    ON screenings_branch WHEN {_SQLITE_DIFFERENT}
    BEGIN SELECT RAISE(ABORT, 'A branch joins two episodes of the same production'); END
    """,
    """
    CREATE TRIGGER screenings_episode_keeps_production BEFORE UPDATE OF production_id ON screenings_episode
    WHEN OLD.production_id IS NOT NEW.production_id
     AND EXISTS (SELECT 1 FROM screenings_branch WHERE source_id = NEW.id OR target_id = NEW.id)
    BEGIN SELECT RAISE(ABORT, 'An episode with branches cannot move to another production'); END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS screenings_episode_keeps_production",
    "DROP TRIGGER IF EXISTS screenings_branch_same_production_update",
    "DROP TRIGGER IF EXISTS screenings_branch_same_production_insert",
]

SQL = {"postgresql": (POSTGRES_CREATE, POSTGRES_DROP), "sqlite": (SQLITE_CREATE, SQLITE_DROP)}


def _run(schema_editor, index: int) -> None:
    for statement in SQL.get(schema_editor.connection.vendor, ([], []))[index]:
        schema_editor.execute(statement)


def create_triggers(apps, schema_editor):
    _run(schema_editor, 0)


def drop_triggers(apps, schema_editor):
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("screenings", "0002_play")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
