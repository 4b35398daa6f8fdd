"""Reading records: by class, by look-up code, a student's book. Authorisation is the
caller's (views ``require`` it); reads of a student's record are audited there."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.db.models import QuerySet

from hocba.records.models import Book, HocBaRecord, RecordStatus
from hocba.roster.models import SchoolClass


def live_records_of_class(school_class: SchoolClass) -> QuerySet[HocBaRecord]:
    return (HocBaRecord.objects.filter(school_class=school_class, status=RecordStatus.COMPOSED)
            .select_related("student", "book"))


def record_by_code(code: str) -> HocBaRecord | None:
    try:
        value = uuid.UUID(code)
    except ValueError:
        return None
    return (HocBaRecord.objects.filter(lookup_code=value)
            .select_related("student", "school_class__school", "school_year", "book").first())


def book_years(book: Book) -> list[HocBaRecord]:
    """The live records of a book, oldest year first (the cover comes from the latest)."""
    return list(book.records.filter(status=RecordStatus.COMPOSED)
                .order_by("school_year__start").select_related("school_year"))


def canonical_of(record: HocBaRecord) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(record.canonical)
    return data
