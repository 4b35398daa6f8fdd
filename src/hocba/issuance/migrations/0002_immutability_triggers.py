"""Make the signing chain's history immutable in the database itself, on SQLite and
PostgreSQL (the approach of ``audit/migrations/0002_append_only_triggers``).

- The chain's events (signatures, returns, issues, revocations, replacements, correction
  requests and decisions) refuse every UPDATE and DELETE (PostgreSQL: TRUNCATE too, when
  the table holds rows).
- A record's ``Artefacts`` are never deleted, and never changed once the record is issued.
- A record that has been signed keeps its content: the only changes its row accepts are
  the status moves the chain makes, ``da_tao`` → ``thu_hoi`` once a revocation row exists,
  and ``da_tao`` → ``da_huy`` once it was returned and while it is not issued. It is never
  deleted.

CV 119/BGDĐT-GDTH: "consistency and integrity once issued, so information cannot be
changed"; HCMC QĐ 1789 Điều 21: "once written, results cannot be edited".
"""

# ruff: noqa: S608  (SQL built from this module's constant table and column names only)
from django.db import migrations

APPEND_ONLY = ["issuance_signatureevent", "issuance_returnedrecord", "issuance_issuedrecord",
               "issuance_revocation", "issuance_replacement", "issuance_correctionrequest",
               "issuance_correctiondecision"]
MESSAGE = "lich su ky hoc ba chi duoc ghi them (append-only)"
FROZEN = "hoc ba da ky/phat hanh khong duoc sua hoac xoa"

# Columns of records_hocbarecord that never change once a record is signed.
CONTENT = ["book_id", "student_id", "school_id", "school_year_id", "school_class_id",
           "lookup_code", "schema", "canonical", "identity_hash", "composed_by_id",
           "composed_at"]

SIGNED = "EXISTS (SELECT 1 FROM issuance_signatureevent s WHERE s.record_id = OLD.id)"
ISSUED = "EXISTS (SELECT 1 FROM issuance_issuedrecord i WHERE i.record_id = OLD.id)"
REVOKED = "EXISTS (SELECT 1 FROM issuance_revocation r WHERE r.record_id = OLD.id)"
RETURNED = "EXISTS (SELECT 1 FROM issuance_returnedrecord r WHERE r.record_id = OLD.id)"
ALLOWED_MOVE = (
    f"((OLD.status = 'da_tao' AND NEW.status = 'thu_hoi' AND {REVOKED}"
    " AND NEW.discarded_by_id IS OLD.discarded_by_id AND NEW.discarded_at IS OLD.discarded_at)"
    f" OR (OLD.status = 'da_tao' AND NEW.status = 'da_huy' AND {RETURNED} AND NOT {ISSUED}))"
)


def _sqlite_same() -> str:
    return " AND ".join(f"NEW.{c} IS OLD.{c}" for c in CONTENT)


def _pg_same() -> str:
    return " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in CONTENT)


def _sqlite() -> list[str]:
    statements = []
    for table in APPEND_ONLY:
        for verb in ("UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
    statements += [
        "CREATE TRIGGER issuance_artefacts_no_delete BEFORE DELETE ON issuance_artefacts "
        f"BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END",
        "CREATE TRIGGER issuance_artefacts_frozen BEFORE UPDATE ON issuance_artefacts "
        "WHEN EXISTS (SELECT 1 FROM issuance_issuedrecord i WHERE i.record_id = OLD.record_id) "
        f"BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END",
        f"CREATE TRIGGER issuance_record_frozen BEFORE UPDATE ON records_hocbarecord "
        f"WHEN {SIGNED} AND NOT ({_sqlite_same()} AND {ALLOWED_MOVE}) "
        f"BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END",
        f"CREATE TRIGGER issuance_record_no_delete BEFORE DELETE ON records_hocbarecord "
        f"WHEN {SIGNED} BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END",
    ]
    return statements


def _sqlite_reverse() -> list[str]:
    names = [f"{t}_no_{v}" for t in APPEND_ONLY for v in ("update", "delete")]
    names += ["issuance_artefacts_no_delete", "issuance_artefacts_frozen",
              "issuance_record_frozen", "issuance_record_no_delete"]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in names]


def _postgres() -> list[str]:
    statements = [
        f"""CREATE OR REPLACE FUNCTION issuance_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql""",
        # TRUNCATE skips row triggers. Refuse it when the table has rows, so that an empty
        # test database can still be flushed.
        f"""CREATE OR REPLACE FUNCTION issuance_no_truncate() RETURNS trigger AS $$
            DECLARE found boolean;
            BEGIN
              EXECUTE 'SELECT EXISTS (SELECT 1 FROM ' || quote_ident(TG_TABLE_NAME) || ')'
                INTO found;
              IF found THEN RAISE EXCEPTION '{MESSAGE}'; END IF;
              RETURN NULL;
            END; $$ LANGUAGE plpgsql""",
        f"""CREATE OR REPLACE FUNCTION issuance_artefacts_frozen() RETURNS trigger AS $$
            BEGIN
              IF TG_OP = 'DELETE' OR EXISTS (SELECT 1 FROM issuance_issuedrecord i
                                             WHERE i.record_id = OLD.record_id) THEN
                RAISE EXCEPTION '{FROZEN}';
              END IF;
              RETURN NEW;
            END; $$ LANGUAGE plpgsql""",
        f"""CREATE OR REPLACE FUNCTION issuance_record_frozen() RETURNS trigger AS $$
            BEGIN
              IF NOT {SIGNED} THEN
                IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                RETURN NEW;
              END IF;
              IF TG_OP = 'DELETE' THEN RAISE EXCEPTION '{FROZEN}'; END IF;
              IF NOT ({_pg_same()}
                      AND {ALLOWED_MOVE.replace(" IS OLD.", " IS NOT DISTINCT FROM OLD.")})
              THEN RAISE EXCEPTION '{FROZEN}'; END IF;
              RETURN NEW;
            END; $$ LANGUAGE plpgsql""",
    ]
    for table in APPEND_ONLY:
        statements += [
            f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION issuance_append_only()""",
            f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION issuance_no_truncate()""",
        ]
    statements += [
        """CREATE TRIGGER issuance_artefacts_frozen BEFORE UPDATE OR DELETE
           ON issuance_artefacts FOR EACH ROW EXECUTE FUNCTION issuance_artefacts_frozen()""",
        """CREATE TRIGGER issuance_artefacts_no_truncate BEFORE TRUNCATE ON issuance_artefacts
           FOR EACH STATEMENT EXECUTE FUNCTION issuance_no_truncate()""",
        """CREATE TRIGGER issuance_record_frozen BEFORE UPDATE OR DELETE
           ON records_hocbarecord FOR EACH ROW EXECUTE FUNCTION issuance_record_frozen()""",
    ]
    return statements


def _postgres_reverse() -> list[str]:
    statements = []
    for table in APPEND_ONLY:
        statements += [f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}",
                       f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}"]
    statements += [
        "DROP TRIGGER IF EXISTS issuance_artefacts_frozen ON issuance_artefacts",
        "DROP TRIGGER IF EXISTS issuance_artefacts_no_truncate ON issuance_artefacts",
        "DROP TRIGGER IF EXISTS issuance_record_frozen ON records_hocbarecord",
        "DROP FUNCTION IF EXISTS issuance_append_only()",
        "DROP FUNCTION IF EXISTS issuance_no_truncate()",
        "DROP FUNCTION IF EXISTS issuance_artefacts_frozen()",
        "DROP FUNCTION IF EXISTS issuance_record_frozen()",
    ]
    return statements


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    postgres = schema_editor.connection.vendor == "postgresql"
    for sql in _postgres() if postgres else _sqlite():
        schema_editor.execute(sql)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    postgres = schema_editor.connection.vendor == "postgresql"
    for sql in _postgres_reverse() if postgres else _sqlite_reverse():
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("issuance", "0001_initial"), ("records", "0002_record_status_revoked")]
    operations = [migrations.RunPython(forwards, backwards)]
