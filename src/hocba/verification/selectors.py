"""Reads for verification: a record and what decides its status, in one query; the cached
check of a stored file; the trust anchors, read once per process."""

from __future__ import annotations

import functools
import os
import uuid
from collections import OrderedDict
from typing import Any

from cryptography import x509
from django.core.exceptions import ObjectDoesNotExist

from hocba.issuance.models import IssuedRecord
from hocba.records.models import HocBaRecord
from hocba.verification.models import FileCheckCache
from hocba.verification.offline import FileCheck, anchors_fingerprint

# Everything the three verdicts read, joined: the student (the second factor, the name), the
# school, year and class (facts), the issue and its seal event, the revocation and its
# replacement's issue, and the predecessor this record replaces.
_STATUS = ("student", "school", "school_year", "school_class", "issue", "issue__seal",
           "revocation", "revocation__replacement__record",
           "revocation__replacement__record__issue", "replaces__revocation__record")


def parse_code(lookup_code: Any) -> uuid.UUID | None:
    """The look-up code as a UUID (CV 2088 PL1 II.1 MA_TRA_CUU_UUID), or None."""
    try:
        return uuid.UUID(str(lookup_code).strip())
    except (ValueError, AttributeError):
        return None


def record_for_code(lookup_code: Any) -> HocBaRecord | None:
    code = parse_code(lookup_code)
    if code is None:
        return None
    return HocBaRecord.objects.select_related(*_STATUS).filter(lookup_code=code).first()


def code_of_issued_file(kind: str, digest: str) -> str | None:
    """The look-up code of the record issued with this exact file (its SHA-256)."""
    column = "pdf_sha256" if kind == "pdf" else "xml_sha256"
    found = IssuedRecord.objects.filter(**{column: digest}).values_list(
        "record__lookup_code", flat=True).first()
    return str(found) if found is not None else None


def related(obj: Any, name: str) -> Any:
    """A reverse one-to-one (``record.issue``, ``.revocation``…) or None."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


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
