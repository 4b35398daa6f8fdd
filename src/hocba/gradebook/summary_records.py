"""The homeroom teacher's class-level records of a TT 22 class: rèn luyện, absences and
comment per term (``ClassTermRecord``), as the GVCN saves them on the class summary page.

Writes are authorised on the class (``Action.EDIT_RESULTS``: the GVCN's class-level results),
validated whole, refused on a stale version, written in one transaction and audited. In a term
the principal has locked, a change becomes correction requests with the GVCN's reason
(HCMC QĐ 1789 Điều 13; ``summary_corrections``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from hocba.accounts.authz import require
from hocba.audit.models import AuditEvent
from hocba.audit.services import record
from hocba.domain.access import Action
from hocba.domain.text import clean, fold
from hocba.gradebook.models import CorrectionRequest
from hocba.gradebook.models_class import ClassTermRecord, ConductLevel
from hocba.gradebook.selectors import lock_of
from hocba.gradebook.summary_corrections import reason_required, request_corrections
from hocba.gradebook.year_eval import TERM_LABEL, TERMS
from hocba.roster.models import SchoolClass, Student
from hocba.roster.selectors import current_members

COMMENT_MAX = 2000
# Labels a teacher may type or a form may post for a rèn luyện level (folded by ``conduct``).
_CONDUCT_WORDS = {"tot": "TOT", "kha": "KHA", "dat": "DAT", "chua dat": "CHUA_DAT",
                  "chuadat": "CHUA_DAT"}
FIELD_LABEL = {"conduct": "rèn luyện", "excused": "nghỉ có phép",
               "unexcused": "nghỉ không phép", "comment": "nhận xét"}


class SummaryError(ValueError):
    """Refused: nothing was written. ``problems`` are Vietnamese messages naming the student
    and the field; ``conflict`` says that one of them is a stale version."""

    def __init__(self, problems: list[str], conflict: bool = False) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
        self.conflict = conflict


@dataclass(frozen=True)
class RecordEdit:
    """What the form posted for one student × term, and the version the page showed."""

    student: Student
    term: int
    conduct: str
    excused: str
    unexcused: str
    comment: str
    expected_version: int


@dataclass(frozen=True)
class Saved:
    """What a save did: rows written now (open terms) and the correction requests sent to the
    principal for locked terms (HCMC QĐ 1789 Điều 13)."""

    written: int
    requests: list[CorrectionRequest]


@dataclass(frozen=True)
class _Parsed:
    edit: RecordEdit
    values: dict[str, Any]


def _who(student: Student, term: int, name: str) -> str:
    return f"{student.full_name}, {FIELD_LABEL[name]} {TERM_LABEL[term]}"


def conduct_value(raw: str) -> str | None:
    """A rèn luyện level as stored (``"TOT"``…), ``""`` for empty, None if unknown (Điều 8)."""
    text = clean(raw)
    if not text:
        return ""
    if text in ConductLevel.values:
        return text
    return _CONDUCT_WORDS.get(fold(text))


def _absences(raw: str) -> int | None:
    text = clean(raw)
    if not text:
        return 0
    return int(text) if text.isdigit() else None


def _parse(edit: RecordEdit) -> tuple[dict[str, Any], list[str]]:
    problems = []
    student, term = edit.student, edit.term
    conduct = conduct_value(edit.conduct)
    if conduct is None:
        problems.append(f"{_who(student, term, 'conduct')}: “{clean(edit.conduct)}” không "
                        "phải là mức rèn luyện; chỉ nhận Tốt, Khá, Đạt, Chưa đạt "
                        "(TT 22/2021 Điều 8).")
    counts = {}
    for name, raw in (("excused", edit.excused), ("unexcused", edit.unexcused)):
        value = _absences(raw)
        if value is None:
            text = clean(raw)
            why = ("số buổi nghỉ không được âm" if text.startswith("-")
                   else "số buổi nghỉ phải là số nguyên không âm")
            problems.append(f"{_who(student, term, name)}: {why} (nhận được “{text}”).")
        elif value > 32767:
            problems.append(f"{_who(student, term, name)}: {value} buổi là không thể có.")
        counts[name] = value
    comment = clean(edit.comment)
    if len(comment) > COMMENT_MAX:
        problems.append(f"{_who(student, term, 'comment')}: dài quá {COMMENT_MAX} kí tự.")
    return {"conduct": conduct, "absences_excused": counts["excused"],
            "absences_unexcused": counts["unexcused"], "comment": comment}, problems


def _scope(school_class: SchoolClass) -> tuple[int | None, int | None, int | None]:
    school = school_class.school
    return school.pk, school.province_id, school.area_id


def _stale(rec: ClassTermRecord) -> str:
    when = (f" lúc {timezone.localtime(rec.updated_at):%H:%M %d/%m/%Y}"
            if isinstance(rec.updated_at, datetime) else "")
    by = str(rec.updated_by) if rec.updated_by else "người khác"
    return (f"{rec.student.full_name}, {TERM_LABEL[rec.term]}: dòng này vừa được {by} sửa"
            f"{when}; không lưu để không ghi đè. Hãy tải lại trang, xem lại rồi lưu.")


def save_records(user: Any, school_class: SchoolClass, edits: list[RecordEdit],
                 reason: str = "") -> Saved:
    """Save the GVCN's changed rows, all or nothing. In a locked term a changed row is not
    written: each changed value becomes a correction request with ``reason`` (required).

    Raises PermissionDenied (not the class's GVCN), SummaryError (impossible values, a locked
    term's change without a reason, a student not in the class, or a row changed by someone
    else since the page was loaded — with their name); nothing is written then."""
    decision = require(user, Action.EDIT_RESULTS, school_class)
    role = decision.grant.role.label if decision.grant else ""
    members = {s.pk for s in current_members(school_class)}
    parsed, problems = [], []
    locked = {t for t in TERMS if lock_of(school_class, t) is not None}
    reason = clean(reason)
    for edit in edits:
        if edit.term not in TERMS:
            problems.append("Học kì chỉ là I hoặc II.")
            continue
        if edit.student.pk not in members:
            problems.append(f"{edit.student.full_name} không còn học lớp {school_class.name}.")
            continue
        values, wrong = _parse(edit)
        problems += wrong
        parsed.append(_Parsed(edit, values))
    if problems:
        raise SummaryError(problems)
    written, requests = 0, []
    with transaction.atomic():
        conflicts, unexplained = [], []
        for item in parsed:
            edit = item.edit
            rec, _ = ClassTermRecord.objects.get_or_create(
                student=edit.student, school_class=school_class, term=edit.term)
            rec = ClassTermRecord.objects.select_for_update(of=("self",)).select_related(
                "student", "updated_by", "school_class__school").get(pk=rec.pk)
            changes = {k: [getattr(rec, k), v] for k, v in item.values.items()
                       if getattr(rec, k) != v}
            if not changes:
                continue
            if rec.version != edit.expected_version:
                conflicts.append(_stale(rec))
                continue
            if edit.term in locked:  # QĐ 1789 Điều 13: the principal decides
                if not reason:
                    unexplained.append(reason_required(rec))
                    continue
                requests += request_corrections(user, role, rec, changes, reason)
                continue
            for name, (_, new) in changes.items():
                setattr(rec, name, new)
            rec.version += 1
            rec.updated_by = user
            rec.updated_at = timezone.now()
            rec.save()
            written += 1
            record(AuditEvent.Kind.WRITE, "sua_tong_hop_lop", actor=user, role=role, obj=rec,
                   scope=_scope(school_class), detail={
                       "hoc_sinh": edit.student.student_code, "lop": school_class.name,
                       "hoc_ki": edit.term, "phien_ban": rec.version,
                       "thay_doi": {k: {"cu": old, "moi": new}
                                    for k, (old, new) in changes.items()}})
        if conflicts or unexplained:  # leaving by an exception rolls every row back
            raise SummaryError(conflicts + unexplained, conflict=bool(conflicts))
    return Saved(written, requests)
