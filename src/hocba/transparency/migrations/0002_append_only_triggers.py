"""The log's leaves, nodes and signed tree heads refuse every UPDATE and DELETE in the
database itself (PostgreSQL: TRUNCATE too, when the table holds rows), on SQLite and
PostgreSQL — the pattern of ``issuance/migrations/0002_immutability_triggers``. Someone with
database access who goes around the triggers is caught by ``hocba log audit`` and, for anyone
holding an earlier signed head, by a consistency proof that no longer verifies.
"""

# ruff: noqa: S608  (SQL built from this module's constant table names only)
from django.db import migrations

APPEND_ONLY = ["transparency_leaf", "transparency_node", "transparency_signedtreehead"]
MESSAGE = "nhat ky minh bach chi duoc ghi them (append-only)"


def _sqlite() -> list[str]:
    return [f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            for table in APPEND_ONLY for verb in ("UPDATE", "DELETE")]


def _sqlite_reverse() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_no_{verb}"
            for table in APPEND_ONLY for verb in ("update", "delete")]


def _postgres() -> list[str]:
    statements = [
        f"""CREATE OR REPLACE FUNCTION transparency_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql""",
        # TRUNCATE skips row triggers: refuse it when the table has rows (an empty test
        # database can still be flushed).
        f"""CREATE OR REPLACE FUNCTION transparency_no_truncate() RETURNS trigger AS $$
            DECLARE found boolean;
            BEGIN
              EXECUTE 'SELECT EXISTS (SELECT 1 FROM ' || quote_ident(TG_TABLE_NAME) || ')'
                INTO found;
              IF found THEN RAISE EXCEPTION '{MESSAGE}'; END IF;
              RETURN NULL;
            END; $$ LANGUAGE plpgsql""",
    ]
    for table in APPEND_ONLY:
        statements += [
            f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION transparency_append_only()""",
            f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION transparency_no_truncate()""",
        ]
    return statements


def _postgres_reverse() -> list[str]:
    statements = []
    for table in APPEND_ONLY:
        statements += [f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}",
                       f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}"]
    return statements + ["DROP FUNCTION IF EXISTS transparency_append_only()",
                         "DROP FUNCTION IF EXISTS transparency_no_truncate()"]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    postgres = schema_editor.connection.vendor == "postgresql"
    for sql in _postgres() if postgres else _sqlite():
        schema_editor.execute(sql)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    postgres = schema_editor.connection.vendor == "postgresql"
    for sql in _postgres_reverse() if postgres else _sqlite_reverse():
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("transparency", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
