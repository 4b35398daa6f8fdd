"""Reads for verification: a record and what decides its verdicts, in one query; the cached
check of a stored file; the trust anchors, read once per process."""

from __future__ import annotations

import datetime as dt
import functools
import os
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from django.db import connection, transaction
from django.db.models import F

from hocba.issuance.models import IssuedRecord
from hocba.records.models import HocBaRecord
from hocba.verification.models import FileCheckCache
from hocba.verification.offline import FileCheck, anchors_fingerprint


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


_FIELDS = ("id", "lookup_code", "status", "school_id", "student__full_name",
           "student__student_code", "student__birth_date", "school__code", "school__name",
           "school__province_id", "school__area_id", "school_year__name", "school_class__name")
_ANNOTATIONS = {"v_issue": "issue__id", "v_issued_at": "issue__issued_at",
                "v_xml": "issue__xml_sha256", "v_pdf": "issue__pdf_sha256",
                "v_revoked_at": "revocation__revoked_at",
                "v_replacement": "revocation__replacement__record__lookup_code",
                "v_replacement_issue": "revocation__replacement__record__issue__id",
                "v_predecessor": "replaces__revocation__record__lookup_code"}


def parse_code(lookup_code: Any) -> uuid.UUID | None:
    """The look-up code as a UUID (CV 2088 PL1 II.1 MA_TRA_CUU_UUID), or None."""
    try:
        return uuid.UUID(str(lookup_code).strip())
    except (ValueError, AttributeError):
        return None


def find(lookup_code: Any) -> Found | None:
    """The record with this look-up code and what decides its verdicts, in one query (no
    ordering, no canonical JSON: the status API asks this hundreds of times a second)."""
    code = parse_code(lookup_code)
    if code is None:
        return None
    query = (HocBaRecord.objects.order_by()
             .select_related("student", "school", "school_year", "school_class")
             .only(*_FIELDS)
             .annotate(**{name: F(path) for name, path in _ANNOTATIONS.items()})
             .filter(lookup_code=code))
    if connection.vendor == "postgresql":
        # Twelve joined tables, each at most one row off the unique look-up code: PostgreSQL's
        # planner searched join orders for ~13 ms a query (more than running it, 0.8 ms);
        # the written order is already the best one, so the planner is told to keep it.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL join_collapse_limit = 1")
            record = query.first()
    else:
        record = query.first()
    if record is None:
        return None
    values = record.__dict__

    def code_of(name: str) -> str | None:
        return str(values[name]) if values[name] is not None else None

    return Found(record, values["v_issue"], values["v_issued_at"], values["v_xml"],
                 values["v_pdf"], values["v_revoked_at"], code_of("v_replacement"),
                 values["v_replacement_issue"] is not None, code_of("v_predecessor"))


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
