"""The canonical record (hocba.record/1): one student's học bạ year as a frozen snapshot.

    record = HocBa.from_json(document)     # RecordError names the path of a bad value
    record.to_json()                       # the same document back, every key present
    record.identity_hash()                 # SHA-256 hex of the canonical serialisation

The JSON Schema is published at docs/record.schema.json; docs/record.md describes the fields,
the book rule, the hash and the mapping to the Ministry's XML (``hocba.domain.moet``).
"""

from hocba.domain.record.book import Book, level_of_grade, opens_book
from hocba.domain.record.canonical import canonical_bytes, sha256_hex
from hocba.domain.record.model import SCHEMA, Attendance, Health, HocBa
from hocba.domain.record.people import (
    ClassInfo,
    HistoryEntry,
    SchoolInfo,
    Signer,
    Signers,
    StudentIdentity,
    SubjectTeacher,
)
from hocba.domain.record.reading import RecordError
from hocba.domain.record.results import (
    PrimaryComments,
    PrimaryResults,
    PrimarySubject,
    SecondaryResults,
    SecondarySubject,
    TeacherRef,
    TermLevels,
)

__all__ = [
    "SCHEMA", "Attendance", "Book", "ClassInfo", "Health", "HistoryEntry", "HocBa",
    "PrimaryComments", "PrimaryResults", "PrimarySubject", "RecordError", "SchoolInfo",
    "SecondaryResults", "SecondarySubject", "Signer", "Signers", "StudentIdentity",
    "SubjectTeacher", "TeacherRef", "TermLevels", "canonical_bytes", "from_json",
    "level_of_grade", "opens_book", "sha256_hex",
]


def from_json(document: object) -> HocBa:
    """``HocBa.from_json``: check a JSON document and build the record."""
    return HocBa.from_json(document)
