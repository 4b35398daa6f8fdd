"""Composing the học bạ of a class (or a whole school) once its year results are final.

HCMC QĐ 1789 Điều 14 and CV 2088 PL1 III (creation step 1–2): học vụ confirms the year's
results are final, then the school creates one record per student. Here "final" means the
principal has locked term II (``TermLock``) and every result the record carries is present;
otherwise nothing is composed and the refusal lists every missing item, student by student.

Each record is a snapshot: identity, school (with that year's place names), class, learning
history, results, comments, awards, promotion, attendance and the signers to be, with a fresh
UUID v4 look-up code (CV 2088 PL1 II.1). It is stored as canonical JSON with its SHA-256.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from hocba.accounts.authz import require
from hocba.audit.services import record_write
from hocba.domain.access import Action, Decision
from hocba.domain.issuance import slot_label
from hocba.domain.record import HocBa, RecordError, sha256_hex
from hocba.gradebook.models import TermLock
from hocba.organisation.models import School, SchoolYear
from hocba.records import results
from hocba.records.models import Book, HocBaRecord, RecordStatus
from hocba.records.snapshot import (
    Gaps,
    Histories,
    book_level,
    principal_of,
    school_part,
    signers_part,
    student_part,
)
from hocba.roster.models import SchoolClass

SCHEMA = "hocba.record/1"


class CompositionRefused(ValueError):
    """Nothing was composed; ``gaps`` lists what is missing, per student."""

    def __init__(self, school_class: SchoolClass, gaps: Gaps) -> None:
        self.school_class = school_class
        self.gaps = gaps
        count = sum(len(v) for v in gaps.items.values())
        super().__init__(f"Lớp {school_class.name}: chưa thể tạo học bạ, còn thiếu {count} mục")


class DiscardRefused(ValueError):
    """The record cannot be discarded; the message says why, in Vietnamese."""


@dataclass(frozen=True)
class Composed:
    school_class: SchoolClass
    created: list[HocBaRecord]
    already: int  # students who already had a live record of that year


def _vn_now(now: datetime) -> str:
    return timezone.localtime(now).isoformat(timespec="seconds")


@dataclass(frozen=True)
class _SchoolYear:
    """What every class of a school shares that year: whether term II is locked, the
    school's part of the record, the principal who signs, and what of these is missing."""

    school: dict[str, Any]
    principal: Any
    missing: tuple[str, ...]

    @classmethod
    def of(cls, school: School, year: SchoolYear) -> _SchoolYear:
        gaps = Gaps()
        if not TermLock.objects.filter(school=school, school_year=year, term=2).exists():
            gaps.add("", "Học kì II chưa được hiệu trưởng khoá: kết quả cả năm chưa chốt")
        part = school_part(school, year, gaps)
        return cls(part, principal_of(school, year), tuple(gaps.items.get("", ())))


def compose_class(user: Any, school_class: SchoolClass, *, now: datetime | None = None
                  ) -> Composed:
    """One record per student of the class who has none yet for that year: all or none."""
    decision = require(user, Action.COMPOSE_RECORDS, school_class)
    shared = _SchoolYear.of(school_class.school, school_class.school_year)
    return _compose_class(user, decision, school_class, now, shared)


def _compose_class(user: Any, decision: Decision, school_class: SchoolClass,
                   now: datetime | None, shared: _SchoolYear) -> Composed:
    now = now or timezone.now()
    gaps = Gaps()
    year = school_class.school_year
    for item in shared.missing:
        gaps.add("", item)
    school, principal = shared.school, shared.principal
    year_results = results.of_class(school_class)
    live = set(HocBaRecord.objects.filter(school_year=year, status=RecordStatus.COMPOSED,
                                          student__in=[r.student for r in year_results])
               .values_list("student_id", flat=True))
    signers = signers_part(school_class, principal, [], gaps)
    histories = Histories(school_class, [r.student for r in year_results])
    composed_at, created_on = _vn_now(now), timezone.localdate(now).isoformat()
    drafts: list[tuple[Any, dict[str, Any]]] = []
    for res in year_results:
        if res.student.pk in live:
            continue
        who = f"{res.student.full_name} ({res.student.student_code})"
        for item in res.missing:
            gaps.add(who, item)
        draft = {
            "schema": SCHEMA,
            "regime": res.regime,
            "level": str(book_level(school_class)),
            "composed_at": composed_at,
            "school_year": year.name,
            "school": school,
            "student": student_part(res.student, gaps, who),
            "class": {"name": school_class.name, "grade": school_class.grade},
            "history": histories.of(res.student),
            "created_on": created_on,
            "issued_on": None,
            **res.sections,
            "signers": {**signers, "subject_teachers": res.teachers},
        }
        drafts.append((res.student, draft))
    if gaps:
        raise CompositionRefused(school_class, gaps)
    books = {b.student_id: b for b in Book.objects.filter(
        student__in=[student for student, _ in drafts], level=book_level(school_class))
        .select_related("opened_year")}
    rows: list[HocBaRecord] = []
    with transaction.atomic():
        books.update(_open_books([s for s, _ in drafts if s.pk not in books], school_class, now))
        for student, draft in drafts:
            book = books[student.pk]
            draft["lookup_code"] = str(uuid.uuid4())
            draft["book"] = {"level": book.level, "registry_number": book.registry_number,
                             "first_year": book.opened_year.name}
            try:
                hocba = HocBa.from_json(draft)
            except RecordError as exc:
                # A value the roster or gradebook let through but the record refuses (a
                # signer's malformed identity number, say): named, and nothing is kept.
                gaps.add(f"{student.full_name} ({student.student_code})", str(exc))
                continue
            canonical = hocba.canonical_bytes()
            rows.append(HocBaRecord(
                book=book, student=student, school=school_class.school, school_year=year,
                school_class=school_class, lookup_code=hocba.lookup_code, schema=SCHEMA,
                canonical=canonical.decode(), identity_hash=sha256_hex(canonical),
                composed_by=user, composed_at=now,
            ))
        if gaps:
            raise CompositionRefused(school_class, gaps)  # rolls back the books opened
        # One insert for the class; the audit event lists every record it created (bulk
        # inserts send no per-row signal).
        created = HocBaRecord.objects.bulk_create(rows)
        record_write(user, "tao_hoc_ba", school_class, role=decision.role_label, detail={
            "so_hoc_ba": len(created), "da_co": len(live),
            "hoc_ba": [{"hoc_sinh": r.student.student_code, "ma_tra_cuu": str(r.lookup_code),
                        "so_dang_bo": r.book.registry_number, "sha256": r.identity_hash}
                       for r in created]})
    return Composed(school_class, created, len(live))


def _open_books(students: list[Any], school_class: SchoolClass, now: datetime
                ) -> dict[int, Book]:
    """A new book of this level for each student who has none: normally at grade 1, 6 or 10;
    later for a student who arrives with a paper học bạ (HCMC QĐ 1789 Điều 22). The registry
    number (SO_SO_DANG_BO) counts the books the school opened that year."""
    if not students:
        return {}
    level = book_level(school_class)
    year = school_class.school_year
    school = school_class.school
    base = Book.objects.filter(opened_school=school, opened_year=year).count()
    books = Book.objects.bulk_create(
        Book(student=student, level=level, opened_school=school, opened_year=year,
             opened_grade=school_class.grade, opened_at=now,
             registry_number=f"{school.code}/{year.name[:4]}/{base + n:04d}")
        for n, student in enumerate(students, start=1))
    return {b.student_id: b for b in books}


def compose_school(user: Any, school: School, year: SchoolYear
                   ) -> list[Composed | CompositionRefused]:
    """Every class of the school that year, each all-or-nothing on its own."""
    outcomes: list[Composed | CompositionRefused] = []
    shared: _SchoolYear | None = None
    # The school, its province, the year and the homeroom teacher come with each class: the
    # permission check, the snapshot and the signers read them.
    classes = (SchoolClass.objects.filter(school=school, school_year=year)
               .select_related("school__province", "school_year", "homeroom_teacher")
               .order_by("grade", "name"))
    for school_class in classes:
        decision = require(user, Action.COMPOSE_RECORDS, school_class)
        if shared is None:  # read once for all the classes, after the first permission check
            shared = _SchoolYear.of(school, year)
        try:
            outcomes.append(_compose_class(user, decision, school_class, None, shared))
        except CompositionRefused as refused:
            outcomes.append(refused)
    return outcomes


def discard(user: Any, record: HocBaRecord, *, now: datetime | None = None) -> None:
    """Discard a composed, unsigned record (results corrected before signing): it stays in
    the table as discarded and its look-up code is never reused (CV 2088 PL1 II.1)."""
    decision = require(user, Action.COMPOSE_RECORDS, record.school_class)
    if record.status != RecordStatus.COMPOSED:
        raise DiscardRefused("Chỉ huỷ được học bạ đã tạo và chưa ký")
    with transaction.atomic():
        # Once anyone has signed, the database refuses any change to the record (issuance
        # immutability trigger): say so in words, before the database does. A signed record
        # leaves the chain only by being returned with a reason (HCMC QĐ 1789 Điều 20).
        signed = sorted(set(HocBaRecord.objects.select_for_update().get(pk=record.pk)
                            .signature_events.values_list("slot", flat=True)))
        if signed:
            raise DiscardRefused(
                f"Học bạ của {record.student.full_name} (mã tra cứu {record.lookup_code}) đã "
                f"có chữ ký ({', '.join(slot_label(s) for s in signed)}) nên không huỷ được. "
                "Người ký đến lượt trả lại học bạ kèm lý do ở trang «Ký học bạ», rồi tạo lại "
                "sau khi sửa dữ liệu.")
        HocBaRecord.objects.filter(pk=record.pk, status=RecordStatus.COMPOSED).update(
            status=RecordStatus.DISCARDED, discarded_by=user, discarded_at=now or timezone.now())
        record_write(user, "huy_hoc_ba_chua_ky", record, role=decision.role_label,
                     detail={"ma_tra_cuu": str(record.lookup_code)})
