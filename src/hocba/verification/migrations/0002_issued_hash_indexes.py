"""Finding an uploaded PDF's record by its SHA-256 (issue 6 §3): an index on the issued
hashes. The table is the issuance app's; the index serves verification only, so it lives here
(plain SQL, the same on SQLite and PostgreSQL)."""

from django.db import migrations

INDEXES = (("verification_issued_pdf_sha256", "pdf_sha256"),
           ("verification_issued_xml_sha256", "xml_sha256"))


class Migration(migrations.Migration):
    dependencies = [
        ("verification", "0001_initial"),
        ("issuance", "0004_pdf_revision_triggers"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON issuance_issuedrecord ({column})",
            f"DROP INDEX IF EXISTS {name}")
        for name, column in INDEXES
    ]
