"""Reads for verification: a record and what decides its verdicts, in one query; the cached
check of a stored file; the trust anchors, read once per process."""

from __future__ import annotations

import datetime as dt
import functools
import os
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, TypeVar

from cryptography import x509
from django.db import connection
from django.db.models import Model

from hocba.issuance.models import IssuedRecord
from hocba.organisation.models import School, SchoolYear
from hocba.records.models import HocBaRecord
from hocba.roster.models import SchoolClass, Student
from hocba.verification.models import FileCheckCache
from hocba.verification.offline import FileCheck, anchors_fingerprint

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Found:
    """A record and everything its three verdicts read, from one query: the student (the
    second factor, the name), school, year and class (facts), its issue, its revocation and
    whether its replacement is issued, and the record it replaces."""

    record: HocBaRecord
    issue_id: int | None
    issued_at: dt.datetime | None
    xml_sha256: str | None
    pdf_sha256: str | None
    revoked_at: dt.datetime | None
    replacement_code: str | None
    replacement_issued: bool
    predecessor_code: str | None

    @property
    def issued(self) -> bool:
        return self.issue_id is not None


# What ``find`` reads, in the order of its row: the record, its student (the second factor,
# the name), school, year and class (facts), its issue, its revocation and replacement, and the
# record it replaces.
_COLUMNS = ("id", "lookup_code", "status", "school_id", "student_id", "school_year_id",
            "school_class_id", "student__full_name", "student__student_code",
            "student__birth_date", "school__code", "school__name", "school__province_id",
            "school__area_id", "school_year__name", "school_class__name", "issue__id",
            "issue__issued_at", "issue__xml_sha256", "issue__pdf_sha256",
            "revocation__revoked_at", "revocation__replacement__record__lookup_code",
            "revocation__replacement__record__issue__id",
            "replaces__revocation__record__lookup_code")


def parse_code(lookup_code: Any) -> uuid.UUID | None:
    """The look-up code as a UUID (CV 2088 PL1 II.1 MA_TRA_CUU_UUID), or None."""
    try:
        return uuid.UUID(str(lookup_code).strip())
    except (ValueError, AttributeError):
        return None


@dataclass(frozen=True)
class _Statement:
    sql: str
    compiler: Any
    converters: dict[int, Any]


@functools.lru_cache(maxsize=4)
def _statement(alias: str, vendor: str) -> _Statement:
    """``find``'s query, built and compiled by the ORM once per database: building and
    compiling twelve joins cost ~2 ms a call, ten times running it (the status API asks it
    hundreds of times a second). The look-up code is its one parameter."""
    query = (HocBaRecord.objects.order_by().filter(lookup_code=uuid.UUID(int=0))
             .values_list(*_COLUMNS))
    compiler = query.query.get_compiler(alias)
    sql, params = compiler.as_sql()
    if len(params) != 1:
        raise RuntimeError(f"find: expected one parameter, the look-up code, not {params!r}")
    expressions = [selected[0] for selected in compiler.select]
    return _Statement(sql, compiler, compiler.get_converters(expressions))


def _row(code: uuid.UUID) -> dict[str, Any] | None:
    statement = _statement(connection.alias, connection.vendor)
    param = HocBaRecord._meta.get_field("lookup_code").get_db_prep_value(code, connection)
    if connection.vendor == "postgresql":
        row = _prepared_row(statement.sql, param)
    else:
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, [param])
            row = cursor.fetchone()
    if row is None:
        return None
    if statement.converters:
        row = next(iter(statement.compiler.apply_converters([row], statement.converters)))
    return dict(zip(_COLUMNS, row, strict=True))


def _prepared_row(sql: str, param: Any) -> Any:
    """On PostgreSQL, the query as a prepared statement of this connection: planning twelve
    joins cost 0.3–1.4 ms of the server's CPU a call against 0.06 ms to run them (the unknown
    codes and wrong birth dates of the status API are never in the answer cache). Django's
    cursors bind parameters on the client and cannot prepare, so this one query uses
    psycopg's own cursor, which prepares it on the connection's first use and after any
    reconnection; Django's error wrapping is kept. (Behind PgBouncer older than 1.21 in
    transaction pooling, a prepared statement may land on another server connection.)"""
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django leaves psycopg's preparing off; no other query uses a server-binding cursor,
        # so this turns it on for this one (``prepare=True``) and nothing else.
        raw.prepare_threshold = 1_000_000
    with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
        cursor.execute(sql, [param], prepare=True)
        return cursor.fetchone()


def _instance(model: type[M], values: dict[str, Any]) -> M:
    """A model instance with these columns loaded and the others deferred, as ``only`` gives
    (``from_db`` takes the values in the model's field order)."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    return model.from_db(connection.alias, names, [values[name] for name in names])


def find(lookup_code: Any) -> Found | None:
    """The record with this look-up code and what decides its verdicts, in one query. The
    record comes with its student, school, year and class (only the columns read here; any
    other is fetched when asked for, as with ``only``)."""
    code = parse_code(lookup_code)
    if code is None:
        return None
    values = _row(code)
    if values is None:
        return None
    record = _instance(HocBaRecord, {"id": values["id"], "lookup_code": values["lookup_code"],
                                     "status": values["status"]})
    record.student = _instance(Student, {
        "id": values["student_id"], "full_name": values["student__full_name"],
        "student_code": values["student__student_code"],
        "birth_date": values["student__birth_date"]})
    record.school = _instance(School, {
        "id": values["school_id"], "code": values["school__code"],
        "name": values["school__name"], "province_id": values["school__province_id"],
        "area_id": values["school__area_id"]})
    record.school_year = _instance(SchoolYear, {"id": values["school_year_id"],
                                                "name": values["school_year__name"]})
    record.school_class = _instance(SchoolClass, {"id": values["school_class_id"],
                                                  "name": values["school_class__name"]})

    def code_of(name: str) -> str | None:
        return str(values[name]) if values[name] is not None else None

    return Found(record, values["issue__id"], values["issue__issued_at"],
                 values["issue__xml_sha256"], values["issue__pdf_sha256"],
                 values["revocation__revoked_at"],
                 code_of("revocation__replacement__record__lookup_code"),
                 values["revocation__replacement__record__issue__id"] is not None,
                 code_of("replaces__revocation__record__lookup_code"))


def registered_certificate(fingerprint: str | None) -> dict[str, Any] | None:
    """The registration of the certificate with this SHA-256 fingerprint (certificates app)."""
    from hocba.certificates.models import SigningCertificate

    if not fingerprint:
        return None
    found = (SigningCertificate.objects.order_by().filter(fingerprint=fingerprint)
             .values("kind", "school_id", "school_code", "status", "decided_at", "revoked_at")
             .first())
    return dict(found) if found is not None else None


def code_of_issued_file(kind: str, digest: str) -> str | None:
    """The look-up code of the record issued with this exact file (its SHA-256)."""
    column = "pdf_sha256" if kind == "pdf" else "xml_sha256"
    found = IssuedRecord.objects.filter(**{column: digest}).values_list(
        "record__lookup_code", flat=True).first()
    return str(found) if found is not None else None


# --- trust anchors ---------------------------------------------------------------------------

def anchors() -> tuple[tuple[x509.Certificate, ...], str]:
    """The configured trust anchors (``hocba.signing.pki.trust_anchors``) and their
    fingerprint; read once per configuration."""
    return _anchors(os.environ.get("HOCBA_TRUST_ANCHORS", ""), os.environ.get("HOCBA_VAR", ""))


@functools.lru_cache(maxsize=8)
def _anchors(configured: str, var: str) -> tuple[tuple[x509.Certificate, ...], str]:
    from hocba.signing.pki import trust_anchors

    found = tuple(trust_anchors())
    return found, anchors_fingerprint(found)


# --- cached checks of files -------------------------------------------------------------------

_MEMORY: OrderedDict[tuple[str, str], FileCheck] = OrderedDict()
_MEMORY_SIZE = 4096


def cached_check(digest: str, anchors_id: str) -> FileCheck | None:
    key = (digest, anchors_id)
    found = _MEMORY.get(key)
    if found is not None:
        _MEMORY.move_to_end(key)
        return found
    row = FileCheckCache.objects.filter(sha256=digest, anchors=anchors_id).values_list(
        "result", flat=True).first()
    if row is None:
        return None
    check = FileCheck.from_json(row)
    remember(check, anchors_id)
    return check


def remember(check: FileCheck, anchors_id: str) -> None:
    _MEMORY[(check.sha256, anchors_id)] = check
    _MEMORY.move_to_end((check.sha256, anchors_id))
    while len(_MEMORY) > _MEMORY_SIZE:
        _MEMORY.popitem(last=False)


def forget_memory() -> None:
    """Empty this process's copy (tests; the database rows stay)."""
    _MEMORY.clear()
