"""The record's renditions, computed from its stored canonical JSON and nothing else
(DESIGN.md: downstream never reaches back into the gradebook): the Ministry's XML, the
printable PDF and the JSON itself. File names carry the look-up code, not the student's name,
so a file name leaks no personal data."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from enum import StrEnum

from django.conf import settings

from hocba.domain import moet
from hocba.records.models import HocBaRecord
from hocba.records.selectors import book_years, canonical_of
from hocba.rendering.pdf import render_book, render_record


class Format(StrEnum):
    XML = "xml"
    PDF = "pdf"
    JSON = "json"

    @property
    def media_type(self) -> str:
        return {"xml": "application/xml", "pdf": "application/pdf",
                "json": "application/json"}[self.value]


def rendition(record: HocBaRecord, fmt: Format) -> bytes:
    if fmt is Format.JSON:
        return record.canonical.encode()
    issued = _issued_files(record)
    if issued is not None:
        # Once issued, the record *is* its signed XML and PDF (QĐ 1789 Điều 3: equal legal
        # value; Điều 24: valid while unmodified). A fresh, unsigned rendering would be a copy
        # with no legal value, which every verifier rightly refuses.
        return issued[0] if fmt is Format.XML else issued[1]
    if fmt is Format.XML:
        # Stored by ``compose`` after ``HocBa.from_json`` checked it, and never edited since.
        return moet.write_checked(canonical_of(record))
    return render_record(canonical_of(record), verify_url=settings.HOCBA_VERIFY_URL)


def _issued_files(record: HocBaRecord) -> tuple[bytes, bytes] | None:
    # The signed files are kept by the issuing chain, the stage after this one.
    from hocba.issuance.selectors import issued_files

    return issued_files(record)


def book_pdf(record: HocBaRecord) -> bytes:
    """The whole book of the record's level up to the latest year."""
    return render_book([canonical_of(r) for r in book_years(record.book)],
                       verify_url=settings.HOCBA_VERIFY_URL)


def file_name(record: HocBaRecord, fmt: Format) -> str:
    return f"hocba-{record.school_year.name}-{record.lookup_code}.{fmt.value}"


def class_zip(records: Iterable[HocBaRecord], fmt: Format) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for record in records:
            # The school's own zip: the student code helps the clerk find a pupil's file.
            name = f"{record.student.student_code}-{file_name(record, fmt)}"
            archive.writestr(name, rendition(record, fmt))
    return buffer.getvalue()
