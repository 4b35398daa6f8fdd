"""``HocBa``: one student's record for one school year, the canonical form (hocba.record/1).

The record is a snapshot composed once (identity, school, class, learning history, results,
comments, awards, promotion, attendance, the signers to be) and never edited: a correction
is a new record with a new look-up code (CV 2088 PL1 II.1: a replacement học bạ gets a new
UUID). Its JSON form is described by docs/record.schema.json and docs/record.md; its
identity is the SHA-256 of the canonical serialisation (``identity_hash``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from hocba.domain.record import book as books
from hocba.domain.record.canonical import canonical_bytes, sha256_hex
from hocba.domain.record.people import (
    ClassInfo,
    HistoryEntry,
    SchoolInfo,
    Signers,
    StudentIdentity,
    read_history_entry,
    read_school,
    read_signers,
    read_student,
)
from hocba.domain.record.reading import Fields, RecordError
from hocba.domain.record.results import (
    PrimaryResults,
    SecondaryResults,
    read_primary,
    read_secondary,
)

SCHEMA = "hocba.record/1"
REGIMES = ("tt27", "tt22", "gdtx")
# CV 2088 PL1 II.1: the look-up code is a UUID v4, 36 characters with 4 hyphens.
UUID_V4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
# A decimal with a dot and at most four decimals (CV 2088 PL1 II.1).
MEASURE = re.compile(r"^\d{1,4}(\.\d{1,4})?$")

KEYS = ("schema", "lookup_code", "regime", "level", "composed_at", "book", "school_year",
        "school", "student", "class", "history", "attendance", "health", "primary",
        "secondary", "promoted", "homeroom_comment", "signers", "created_on", "issued_on")


@dataclass(frozen=True, slots=True)
class Attendance:
    excused: int  # TONG_SO_BUOI_NGHI_CO_PHEP
    unexcused: int  # THONG_SO_BUOI_NGHI_KHONG_PHEP (sic)

    def to_json(self) -> dict[str, Any]:
        return {"excused": self.excused, "unexcused": self.unexcused}


@dataclass(frozen=True, slots=True)
class Health:
    weight_kg: str | None  # CAN_NANG, e.g. "28.5"
    height_cm: str | None  # CHIEU_CAO, e.g. "132"

    def to_json(self) -> dict[str, Any]:
        return {"weight_kg": self.weight_kg, "height_cm": self.height_cm}


@dataclass(frozen=True, slots=True)
class HocBa:
    schema: str
    lookup_code: str  # MA_TRA_CUU_UUID
    regime: str  # tt27 | tt22 | gdtx
    level: str  # TH | THCS | THPT
    composed_at: datetime
    book: books.Book
    school_year: str
    school: SchoolInfo
    student: StudentIdentity
    school_class: ClassInfo  # JSON "class"
    history: tuple[HistoryEntry, ...]
    attendance: Attendance
    health: Health
    primary: PrimaryResults | None
    secondary: SecondaryResults | None
    promoted: bool | None  # được lên lớp
    homeroom_comment: str | None  # nhận xét của GVCN
    signers: Signers
    created_on: date  # NGAY_TAO_HOC_BA
    issued_on: date | None  # NGAY_KY_PHAT_HANH_HOC_BA, set at issuance

    @classmethod
    def from_json(cls, document: Any, *, absent_is_null: bool = False) -> HocBa:
        """Check a JSON document and build the record; ``RecordError`` names the path."""
        return _read(Fields(document, "", KEYS, absent_is_null=absent_is_null))

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": self.schema, "lookup_code": self.lookup_code, "regime": self.regime,
            "level": self.level, "composed_at": self.composed_at.isoformat(),
            "book": self.book.to_json(), "school_year": self.school_year,
            "school": self.school.to_json(), "student": self.student.to_json(),
            "class": self.school_class.to_json(),
            "history": [h.to_json() for h in self.history],
            "attendance": self.attendance.to_json(), "health": self.health.to_json(),
            "primary": self.primary.to_json() if self.primary else None,
            "secondary": self.secondary.to_json() if self.secondary else None,
            "promoted": self.promoted, "homeroom_comment": self.homeroom_comment,
            "signers": self.signers.to_json(), "created_on": self.created_on.isoformat(),
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
        }

    def canonical_bytes(self) -> bytes:
        """The canonical serialisation (RFC 8785-style, NFC, UTF-8) of ``to_json()``."""
        return canonical_bytes(self.to_json())

    def identity_hash(self) -> str:
        """SHA-256 (hex) of the canonical serialisation: the record's identity."""
        return sha256_hex(self.canonical_bytes())


def _measure(f: Fields, key: str) -> str | None:
    value = f.optional_matching(key, MEASURE, (
        "một số dạng chuỗi với dấu chấm thập phân, tối đa 4 chữ số thập phân, ví dụ \"28.5\" "
        "(CV 2088 PL1 II.1)"))
    if value is not None and Decimal(value) <= 0:
        raise RecordError(f.at(key), f"“{value}” phải lớn hơn 0")
    return value


def _read(f: Fields) -> HocBa:
    schema = f.raw("schema")
    if schema != SCHEMA:
        raise RecordError("schema", f"phiên bản bản ghi phải là “{SCHEMA}”, nhận được {schema!r}")
    regime = f.code("regime", str, REGIMES, "chế độ đánh giá")
    level = f.code("level", str, books.LEVELS, "cấp học")
    if regime not in books.REGIMES[level]:
        raise RecordError("regime", (f"cấp {level} không dùng chế độ {regime} (được phép: "
                                     f"{', '.join(books.REGIMES[level])})"))
    school_year = f.school_year("school_year")
    b = f.object("book", ("level", "registry_number", "first_year"))
    book = books.Book(level=b.code("level", str, books.LEVELS, "cấp học của sổ"),
                      registry_number=b.text("registry_number", "số đăng bộ"),
                      first_year=b.school_year("first_year"))
    if book.level != level:
        raise RecordError("book.level", (f"bản ghi cấp {level} thuộc sổ học bạ cấp {level}, "
                                         f"không phải {book.level}"))
    if books.start_year(book.first_year) > books.start_year(school_year):
        raise RecordError("book.first_year", (f"sổ mở năm {book.first_year} sau năm học "
                                              f"{school_year} của bản ghi"))
    c = f.object("class", ("name", "grade"))
    grades = books.GRADES[level]
    school_class = ClassInfo(c.text("name", "tên lớp"),
                             c.integer("grade", grades.start, grades.stop - 1, "khối"))
    primary = f.optional_object("primary", ("subjects", "qualities", "competences", "comments",
                                            "evaluation", "completed_grade",
                                            "completed_primary", "completion_text", "award",
                                            "special_award"))
    secondary = f.optional_object("secondary", ("subjects", "hoc_tap", "ren_luyen",
                                                "completed_programme", "award",
                                                "special_award"))
    if regime == "tt27" and (primary is None or secondary is not None):
        raise RecordError("primary", ("bản ghi TT 27 (tiểu học) có kết quả trong primary, "
                                      "và secondary là null"))
    if regime != "tt27" and (secondary is None or primary is not None):
        raise RecordError("secondary", ("bản ghi TT 22/GDTX có kết quả trong secondary, và "
                                        "primary là null"))
    a = f.object("attendance", ("excused", "unexcused"))
    h = f.object("health", ("weight_kg", "height_cm"))
    record = HocBa(
        schema=SCHEMA,
        lookup_code=f.matching("lookup_code", UUID_V4, (
            "UUID phiên bản 4 viết thường, 36 ký tự gồm 4 dấu gạch (CV 2088 PL1 II.1)"),
            "mã tra cứu"),
        regime=regime, level=level, composed_at=f.date_time("composed_at", "thời điểm lập"),
        book=book, school_year=school_year,
        school=read_school(f.object("school", SchoolInfo.KEYS)),
        student=read_student(f.object("student", StudentIdentity.KEYS)),
        school_class=school_class,
        history=tuple(read_history_entry(Fields(item, path, ("school_year", "class", "school",
                                                             "since"),
                                                absent_is_null=f.absent_is_null))
                      for path, item in f.items("history")),
        attendance=Attendance(a.integer("excused", 0, None, "số buổi nghỉ có phép"),
                              a.integer("unexcused", 0, None, "số buổi nghỉ không phép")),
        health=Health(_measure(h, "weight_kg"), _measure(h, "height_cm")),
        primary=read_primary(primary) if primary else None,
        secondary=read_secondary(secondary) if secondary else None,
        promoted=f.optional_boolean("promoted"),
        homeroom_comment=f.optional_text("homeroom_comment", multiline=True),
        signers=read_signers(f.object("signers", ("homeroom", "principal",
                                                   "subject_teachers"))),
        created_on=f.calendar_date("created_on", "ngày tạo học bạ"),
        issued_on=f.optional_calendar_date("issued_on"),
    )
    _check_signed_subjects(record)
    return record


def _check_signed_subjects(record: HocBa) -> None:
    """Each GVBM slot signs one subject of this record (DOMAIN-SECONDARY §2.1), and primary
    records have no GVBM slot (CV 2088 PL1 Phụ lục 1.1: GVCN, CBQL, KY_PHAT_HANH only)."""
    teachers = record.signers.subject_teachers
    if record.secondary is None:
        if teachers:
            raise RecordError("signers.subject_teachers", (
                "học bạ tiểu học không có chỗ ký của giáo viên bộ môn (CV 2088 PL1 Phụ lục "
                "1.1); để danh sách rỗng"))
        return
    codes = {s.code for s in record.secondary.subjects}
    for i, teacher in enumerate(teachers):
        for j, code in enumerate(teacher.subjects):
            if code not in codes:
                raise RecordError(f"signers.subject_teachers[{i}].subjects[{j}]",
                                  f"môn {code} không có trong secondary.subjects")
