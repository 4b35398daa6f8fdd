"""Writes on the gradebook: a cell, a term lock, a correction decision.

Each write is authorised (``require`` on the class × subject), audited and done in one
transaction. Two people never silently overwrite each other: a save names the version of the
row the teacher saw, and is refused when *that cell* changed after it, with the other
person's value, name and time. After the principal locks a term, a teacher's change becomes a
correction request that the principal approves or rejects (HCMC QĐ 1789 Điều 13: corrections
need the leader's approval and are fully logged).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from hocba.accounts.authz import require
from hocba.accounts.targets import ClassSubject
from hocba.audit.models import AuditEvent
from hocba.audit.services import record, record_denied
from hocba.curriculum.models import Subject
from hocba.domain.access import Action
from hocba.gradebook.cells import COMMENT_FIELD, CellError
from hocba.gradebook.models import CorrectionRequest, TermLock, TermResult
from hocba.gradebook.selectors import (
    Sheet,
    TermOutcome,
    is_principal_of,
    lock_of,
    sheet_of,
    sheet_of_row,
    stored_value,
    term_outcome,
)
from hocba.organisation.models import School, SchoolYear
from hocba.roster.models import SchoolClass, Student


class GradebookError(CellError):
    """A refusal a teacher can act on (Vietnamese ``message``, the column in ``field``)."""


class CellConflict(GradebookError):
    """The cell changed since the teacher's view: nothing was written."""

    def __init__(self, field: str, current: str, version: int, by: str, at: datetime | None
                 ) -> None:
        when = f" lúc {timezone.localtime(at):%H:%M}" if at else ""
        shown = current or "(trống)"
        super().__init__(field, f"Ô này vừa được {by} sửa thành {shown}{when}; "
                                "hãy xem lại trước khi lưu.")
        self.current = current
        self.version = version
        self.by = by
        self.at = at


class ReasonRequired(GradebookError):
    """The term is locked: the change becomes a request, and a request needs a reason."""


@dataclass(frozen=True)
class CellSaved:
    """The answer to a save: the cell as stored now, the row's version and term result.
    ``correction`` is set when the term is locked and the change became a request."""

    field: str
    value: str
    version: int
    outcome: TermOutcome
    row: dict[str, str]
    correction: CorrectionRequest | None = None


def _name(user: Any) -> str:
    return str(user)


def _scope(school_class: SchoolClass) -> tuple[int | None, int | None, int | None]:
    school = school_class.school
    return school.pk, school.province_id, school.area_id


def _audit(actor: Any, action: str, row: TermResult, role: str, detail: dict[str, Any]
           ) -> None:
    """A write in the school's log (``record_write`` with the row's school as scope)."""
    record(AuditEvent.Kind.WRITE, action, actor=actor, role=role, obj=row,
           scope=_scope(row.school_class), detail={
               "hoc_sinh": row.student.student_code, "lop": row.school_class.name,
               "mon": row.subject.code, "hoc_ki": row.term, **detail})


def _set(sheet: Sheet, row: TermResult, name: str, stored: str) -> None:
    shape = sheet.shape
    if name == COMMENT_FIELD:
        row.comment = stored
    elif name.startswith("tx"):
        values = [str(v) for v in row.tx] + [""] * max(0, shape.regular - len(row.tx))
        values[int(name[2:]) - 1] = stored
        row.tx = values[:shape.regular]
    elif shape.scored:
        setattr(row, name, Decimal(stored) if stored else None)
    else:
        setattr(row, f"{name}_rating", stored)


def _answer(sheet: Sheet, row: TermResult, name: str,
            correction: CorrectionRequest | None = None) -> CellSaved:
    shape = sheet.shape
    return CellSaved(name, shape.show(name, stored_value(shape, row, name)), row.version,
                     term_outcome(shape, row),
                     {n: shape.show(n, stored_value(shape, row, n)) for n in shape.fields},
                     correction)


def _check_version(sheet: Sheet, row: TermResult, name: str, expected: int) -> None:
    """Refuse a save based on a view of the cell older than its last change."""
    last = row.changes.get(name)
    changed_at = int(last["v"]) if last else 0
    if expected > row.version or changed_at > expected:
        at = datetime.fromisoformat(last["at"]) if last else None
        raise CellConflict(name, sheet.shape.show(name, stored_value(sheet.shape, row, name)),
                           row.version, last["by"] if last else "người khác", at)


def row_for(user: Any, school_class: SchoolClass, subject: Subject, term: int,
            student: Student) -> TermResult:
    """The student's row of the sheet, created empty (version 0) on first use."""
    require(user, Action.EDIT_RESULTS, ClassSubject(school_class, subject.pk))
    sheet_of(school_class, subject, term)
    if not student.enrolments.filter(school_class=school_class, end_date__isnull=True).exists():
        raise GradebookError("hoc_sinh", f"{student.full_name} không còn học lớp "
                                         f"{school_class.name}.")
    row, _ = TermResult.objects.get_or_create(
        student=student, school_class=school_class, subject=subject, term=term)
    return row


def save_cell(user: Any, sheet_row: TermResult, field: str, value: str,
              expected_version: int, reason: str = "") -> CellSaved:
    """Save what the teacher typed in one cell, or, once the term is locked, ask the
    principal to (HCMC QĐ 1789 Điều 13). Raises GradebookError / CellConflict /
    PermissionDenied; nothing is written then."""
    sheet = sheet_of_row(sheet_row)
    decision = require(user, Action.EDIT_RESULTS,
                       ClassSubject(sheet_row.school_class, sheet_row.subject_id))
    role = decision.grant.role.label if decision.grant else ""
    try:
        stored = sheet.shape.parse(field, value)
    except CellError as exc:
        raise GradebookError(exc.field, exc.message) from None
    with transaction.atomic():
        row = TermResult.objects.select_for_update().select_related(
            "student", "school_class__school", "subject").get(pk=sheet_row.pk)
        _check_version(sheet, row, field, expected_version)
        old = stored_value(sheet.shape, row, field)
        if old == stored:
            return _answer(sheet, row, field)
        if lock_of(row.school_class, row.term) is not None:
            return _request_correction(user, sheet, row, field, old, stored, reason, role)
        _apply(user, sheet, row, field, stored)
        _audit(user, "sua_diem", row, role, {"o": field, "cu": old, "moi": stored,
                                             "phien_ban": row.version})
    return _answer(sheet, row, field)


def _apply(user: Any, sheet: Sheet, row: TermResult, name: str, stored: str) -> None:
    now = timezone.now()
    _set(sheet, row, name, stored)
    row.version += 1
    row.changes = {**row.changes, name: {"v": row.version, "by": _name(user),
                                         "at": now.isoformat()}}
    row.updated_by = user
    row.updated_at = now
    row.save()


def _request_correction(user: Any, sheet: Sheet, row: TermResult, name: str, old: str,
                        stored: str, reason: str, role: str) -> CellSaved:
    reason = reason.strip()
    if not reason:
        raise ReasonRequired(name, "Học kì đã khoá: sửa điểm sẽ thành đề nghị gửi Hiệu "
                                   "trưởng; hãy ghi lí do đề nghị sửa.")
    correction = CorrectionRequest.objects.create(
        result=row, field=name, old_value=old, new_value=stored, reason=reason,
        requested_by=user, requested_at=timezone.now())
    _audit(user, "de_nghi_sua_diem", row, role, {
        "o": name, "cu": old, "moi": stored, "ly_do": reason, "de_nghi": correction.pk})
    return _answer(sheet, row, name, correction)


def require_principal(user: Any, school: School, year: SchoolYear | None, what: str) -> None:
    """Only the school's principal of that year may ``what``; a refusal is audited."""
    if not is_principal_of(user, school, year):
        reason = f"Chỉ Hiệu trưởng của {school.name} được {what}."
        record_denied(user, Action.EDIT_RESULTS, school, reason)
        raise PermissionDenied(reason)


def lock_term(principal: Any, school: School, year: SchoolYear, term: int) -> TermLock:
    """Close a term: from now on teachers' changes are correction requests (QĐ 1789 Điều 13,
    Điều 29: the principal opens and closes the entry windows)."""
    require_principal(principal, school, year, "khoá học kì")
    with transaction.atomic():
        lock, created = TermLock.objects.get_or_create(
            school=school, school_year=year, term=term,
            defaults={"locked_by": principal, "locked_at": timezone.now()})
        if created:
            record(AuditEvent.Kind.WRITE, "khoa_hoc_ki", actor=principal, obj=school,
                   role="Hiệu trưởng", detail={"nam_hoc": year.name, "hoc_ki": term})
    return lock


def unlock_term(principal: Any, school: School, year: SchoolYear, term: int) -> None:
    require_principal(principal, school, year, "mở khoá học kì")
    with transaction.atomic():
        deleted, _ = TermLock.objects.filter(school=school, school_year=year, term=term).delete()
        if deleted:
            record(AuditEvent.Kind.WRITE, "mo_khoa_hoc_ki", actor=principal, obj=school,
                   role="Hiệu trưởng", detail={"nam_hoc": year.name, "hoc_ki": term})


def close_correction(correction: CorrectionRequest, principal: Any, approve: bool, note: str
                     ) -> dict[str, Any]:
    """Record the principal's decision on a locked, pending request (every kind: TT 22 and
    TT 27 cells, class records) and return the audit detail the decision is logged with."""
    correction.status = (CorrectionRequest.Status.APPROVED if approve
                         else CorrectionRequest.Status.REJECTED)
    correction.decided_by = principal
    correction.decided_at = timezone.now()
    correction.decision_note = note.strip()
    correction.save()
    return {"o": correction.field, "cu": correction.old_value, "moi": correction.new_value,
            "de_nghi": correction.pk, "nguoi_de_nghi": _name(correction.requested_by),
            "ly_do": correction.reason, "ghi_chu": correction.decision_note}


def decide_correction(principal: Any, correction: CorrectionRequest, approve: bool,
                      note: str = "") -> CorrectionRequest:
    """The principal approves (the change is applied) or rejects a correction request.
    Refused when the cell changed since the request, so no one's value is lost."""
    if correction.primary_result_id is not None:  # a TT 27 cell: the primary gradebook decides
        from hocba.gradebook import primary_services

        return primary_services.decide_correction(principal, correction, approve, note)
    if correction.is_class_record:  # the GVCN's class record (TT 22 or TT 27)
        from hocba.gradebook import summary_corrections

        return summary_corrections.decide_correction(principal, correction, approve, note)
    result = correction.result
    assert result is not None
    school_class = result.school_class
    require_principal(principal, school_class.school, school_class.school_year,
                       "duyệt đề nghị sửa điểm")
    with transaction.atomic():
        correction = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
        if correction.status != CorrectionRequest.Status.PENDING:
            raise GradebookError("de_nghi", "Đề nghị này đã được xử lí.")
        row = TermResult.objects.select_for_update().select_related(
            "student", "school_class__school", "subject").get(pk=result.pk)
        sheet = sheet_of_row(row)
        current = stored_value(sheet.shape, row, correction.field)
        if approve and current != correction.old_value:
            raise GradebookError(correction.field, (
                f"Ô {sheet.shape.label(correction.field)} đã đổi thành "
                f"{sheet.shape.show(correction.field, current) or '(trống)'} sau khi có đề "
                "nghị; hãy từ chối và để giáo viên đề nghị lại."))
        detail = close_correction(correction, principal, approve, note)
        if approve:
            _apply(principal, sheet, row, correction.field, correction.new_value)
            detail["phien_ban"] = row.version
        _audit(principal, "duyet_sua_diem" if approve else "tu_choi_sua_diem", row,
               "Hiệu trưởng", detail)
    return correction


@dataclass(frozen=True)
class SheetEdit:
    """One cell of a whole-sheet form post: what the page showed, what was submitted."""

    student: Student
    number: int
    field: str
    shown: str
    value: str
    expected_version: int


def save_sheet(user: Any, sheet: Sheet, edits: list[SheetEdit], reason: str = ""
               ) -> tuple[int, list[str]]:
    """The "Lưu" button without JavaScript: each changed cell saved as ``save_cell`` would
    (one transaction per cell, the same refusals). Returns (cells saved, messages)."""
    saved, problems = 0, []
    for edit in edits:
        if edit.value.strip() == edit.shown.strip():
            continue
        try:
            row = row_for(user, sheet.school_class, sheet.subject, sheet.term, edit.student)
            answer = save_cell(user, row, edit.field, edit.value, edit.expected_version, reason)
        except GradebookError as exc:
            problems.append(f"Dòng {edit.number} ({edit.student.full_name}), cột "
                            f"{sheet.shape.label(edit.field)}: {exc.message}")
            continue
        saved += answer.correction is None
    return saved, problems
