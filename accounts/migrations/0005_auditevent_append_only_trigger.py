"""On PostgreSQL (production), the database itself keeps the audit log append-only: a trigger refuses every
UPDATE and DELETE of a row, whoever sends it (the portal, a shell, psql with the portal's own credentials),
so that what the code promises (accounts.models.AuditEvent) holds below the code too.

The one change it allows is the one Django makes when a user is deleted: `actor` set to NULL
(on_delete=SET_NULL), every other column unchanged. TRUNCATE (what the test suite and `restore --force`
use to empty tables) is a statement of its own and is not affected.

SQLite (development, `make run`) gets no trigger: Django empties its tables between tests with DELETE,
which a trigger would refuse, and nothing there is a record anyone relies on."""

from django.db import migrations

FUNCTION = "accounts_auditevent_append_only"

CREATE_FUNCTION = f"""
CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.actor_id IS NULL
       AND (NEW.id, NEW.created_at, NEW.action, NEW.object_type, NEW.object_id, NEW.object_repr,
            NEW.group_id, NEW.ip_address, NEW.payload::text)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.created_at, OLD.action, OLD.object_type, OLD.object_id, OLD.object_repr,
            OLD.group_id, OLD.ip_address, OLD.payload::text)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'accounts_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$
"""

CREATE_TRIGGER = f"""
CREATE TRIGGER {FUNCTION} BEFORE UPDATE OR DELETE ON accounts_auditevent
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()
"""

DROP_TRIGGER = f"DROP TRIGGER IF EXISTS {FUNCTION} ON accounts_auditevent"
DROP_FUNCTION = f"DROP FUNCTION IF EXISTS {FUNCTION}()"


def create_trigger(apps, schema_editor):
    # One statement per call and no parameters, so that psycopg sends the text as it is (the % in the
    # function's message is PL/pgSQL's, not a placeholder).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_FUNCTION, params=None)
        schema_editor.execute(CREATE_TRIGGER, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER, params=None)
        schema_editor.execute(DROP_FUNCTION, params=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_auditevent_group_and_view_only")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
