"""``issuance_xmlrevision`` is append-only like the rest of the chain's history (migrations
0002 and 0004), on SQLite and PostgreSQL."""

from django.db import migrations

TABLE = "issuance_xmlrevision"
MESSAGE = "lich su ky hoc ba chi duoc ghi them (append-only)"

SQLITE = [
    f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS {TABLE}_no_update",
                  f"DROP TRIGGER IF EXISTS {TABLE}_no_delete"]
POSTGRES = [
    f"""CREATE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION issuance_append_only()""",
    f"""CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION issuance_no_truncate()""",
]
POSTGRES_REVERSE = [f"DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE}",
                    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}"]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    postgres = schema_editor.connection.vendor == "postgresql"
    for sql in POSTGRES if postgres else SQLITE:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    postgres = schema_editor.connection.vendor == "postgresql"
    for sql in POSTGRES_REVERSE if postgres else SQLITE_REVERSE:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("issuance", "0005_xml_revisions")]
    operations = [migrations.RunPython(forwards, backwards)]
