"""Writes on the primary (TT 27/2020) gradebook: a cell, and the principal's decision on a
correction request. The same rules as the TT 22 sheet (``hocba.gradebook.services``).

Each write is authorised (``require`` on the class × subject: the teacher assigned to it),
audited with the TT 22 gradebook's actions and done in one transaction. A save names the
version of the point's row the teacher saw and is refused when *that cell* changed after it,
with the other person's value, name and time. Once the principal locks the term covering the
point (term I: giữa HK I, cuối HK I; term II: giữa HK II, cuối năm) a change becomes a
correction request (HCMC QĐ 1789 Điều 13).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from hocba.accounts.authz import require
from hocba.accounts.targets import ClassSubject
from hocba.audit.models import AuditEvent
from hocba.audit.services import record
from hocba.curriculum.models import Subject
from hocba.domain.access import Action
from hocba.gradebook.cells import CellError
from hocba.gradebook.models import CorrectionRequest, PrimarySubjectResult
from hocba.gradebook.primary_cells import (
    COMMENT,
    LEVEL,
    POINT_LABELS,
    PrimaryShape,
    kind_label,
    split,
)
from hocba.gradebook.primary_selectors import point_lock, shape_of, stored_value
from hocba.gradebook.services import (
    CellConflict,
    GradebookError,
    ReasonRequired,
    close_correction,
    require_principal,
)
from hocba.roster.models import SchoolClass, Student


@dataclass(frozen=True)
class PrimaryCellSaved:
    """The answer to a save: the cell as stored now, its point's row version and values.
    ``correction`` is set when the term is locked and the change became a request."""

    field: str
    value: str
    point: int
    version: int
    row: dict[str, str]
    correction: CorrectionRequest | None = None


def _scope(school_class: SchoolClass) -> tuple[int | None, int | None, int | None]:
    school = school_class.school
    return school.pk, school.province_id, school.area_id


def _audit(actor: Any, action: str, row: PrimarySubjectResult, role: str,
           detail: dict[str, Any]) -> None:
    record(AuditEvent.Kind.WRITE, action, actor=actor, role=role, obj=row,
           scope=_scope(row.school_class), detail={
               "hoc_sinh": row.student.student_code, "lop": row.school_class.name,
               "mon": row.subject.code, "thoi_diem": row.point, **detail})


def _shape(row: PrimarySubjectResult) -> PrimaryShape:
    return shape_of(row.school_class, row.subject)


def _answer(shape: PrimaryShape, row: PrimarySubjectResult, name: str,
            correction: CorrectionRequest | None = None) -> PrimaryCellSaved:
    _, kind = split(name)
    values = {f: stored_value(row, split(f)[1]) for f in shape.fields_of(row.point)}
    return PrimaryCellSaved(name, stored_value(row, kind), row.point, row.version, values,
                            correction)


def _check_version(row: PrimarySubjectResult, name: str, kind: str, expected: int) -> None:
    """Refuse a save based on a view of the cell older than its last change."""
    last = row.changes.get(kind)
    changed_at = int(last["v"]) if last else 0
    if expected > row.version or changed_at > expected:
        at = datetime.fromisoformat(last["at"]) if last else None
        raise CellConflict(name, stored_value(row, kind), row.version,
                           last["by"] if last else "người khác", at)


def row_for(user: Any, school_class: SchoolClass, subject: Subject, point: int,
            student: Student) -> PrimarySubjectResult:
    """The pupil's row for the point, created empty (version 0) on first use."""
    require(user, Action.EDIT_RESULTS, ClassSubject(school_class, subject.pk))
    try:
        shape_of(school_class, subject)
    except CellError as exc:
        raise GradebookError(exc.field, exc.message) from None
    if point not in POINT_LABELS:
        raise GradebookError("diem", "Thời điểm đánh giá chỉ là giữa HK I, cuối HK I, giữa "
                                     "HK II hoặc cuối năm (TT 27/2020 Điều 6).")
    if not student.enrolments.filter(school_class=school_class, end_date__isnull=True).exists():
        raise GradebookError("hoc_sinh", f"{student.full_name} không còn học lớp "
                                         f"{school_class.name}.")
    row, _ = PrimarySubjectResult.objects.get_or_create(
        student=student, school_class=school_class, subject=subject, point=point)
    return row


def save_cell(user: Any, sheet_row: PrimarySubjectResult, field: str, value: str,
              expected_version: int, reason: str = "") -> PrimaryCellSaved:
    """Save what the teacher typed in one cell of the row's point, or, once the term is
    locked, ask the principal to (HCMC QĐ 1789 Điều 13). Raises GradebookError /
    CellConflict / PermissionDenied; nothing is written then."""
    decision = require(user, Action.EDIT_RESULTS,
                       ClassSubject(sheet_row.school_class, sheet_row.subject_id))
    shape = _shape(sheet_row)
    try:
        point, kind = shape.check_field(field)
        stored = shape.parse(field, value)
    except CellError as exc:
        raise GradebookError(exc.field, exc.message) from None
    if point != sheet_row.point:
        raise GradebookError(field, f"Ô {shape.label(field)} không thuộc thời điểm "
                                    f"{POINT_LABELS[sheet_row.point]}.")
    with transaction.atomic():
        row = PrimarySubjectResult.objects.select_for_update().select_related(
            "student", "school_class__school", "subject").get(pk=sheet_row.pk)
        _check_version(row, field, kind, expected_version)
        old = stored_value(row, kind)
        if old == stored:
            return _answer(shape, row, field)
        if point_lock(row.school_class, row.point) is not None:
            return _request_correction(user, shape, row, field, old, stored, reason,
                                       decision.role_label)
        _apply(user, row, kind, stored)
        _audit(user, "sua_diem", row, decision.role_label, {
            "o": field, "cu": old, "moi": stored, "phien_ban": row.version})
    return _answer(shape, row, field)


def _apply(user: Any, row: PrimarySubjectResult, kind: str, stored: str) -> None:
    now = timezone.now()
    if kind == LEVEL:
        row.level = stored
    elif kind == COMMENT:
        row.comment = stored
    else:
        row.test = int(stored) if stored else None
    row.version += 1
    row.changes = {**row.changes, kind: {"v": row.version, "by": str(user),
                                         "at": now.isoformat()}}
    row.updated_by = user
    row.updated_at = now
    row.save()


def _request_correction(user: Any, shape: PrimaryShape, row: PrimarySubjectResult, name: str,
                        old: str, stored: str, reason: str, role: str) -> PrimaryCellSaved:
    reason = reason.strip()
    if not reason:
        raise ReasonRequired(name, "Học kì đã khoá: sửa kết quả sẽ thành đề nghị gửi Hiệu "
                                   "trưởng; hãy ghi lí do đề nghị sửa.")
    correction = CorrectionRequest.objects.create(
        primary_result=row, field=name, old_value=old, new_value=stored, reason=reason,
        requested_by=user, requested_at=timezone.now())
    _audit(user, "de_nghi_sua_diem", row, role, {
        "o": name, "cu": old, "moi": stored, "ly_do": reason, "de_nghi": correction.pk})
    return _answer(shape, row, name, correction)


def decide_correction(principal: Any, correction: CorrectionRequest, approve: bool,
                      note: str = "") -> CorrectionRequest:
    """The principal approves (the change is applied) or rejects a request on a primary
    result. Refused when the cell changed since the request, so no one's value is lost."""
    target = correction.primary_result
    assert target is not None
    school_class = target.school_class
    require_principal(principal, school_class.school, school_class.school_year,
                      "duyệt đề nghị sửa điểm")
    with transaction.atomic():
        correction = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
        if correction.status != CorrectionRequest.Status.PENDING:
            raise GradebookError("de_nghi", "Đề nghị này đã được xử lí.")
        row = PrimarySubjectResult.objects.select_for_update().select_related(
            "student", "school_class__school", "subject").get(pk=target.pk)
        _, kind = split(correction.field)
        shape = _shape(row)
        current = stored_value(row, kind)
        if approve and current != correction.old_value:
            raise GradebookError(correction.field, (
                f"Ô {shape.label(correction.field)} đã đổi thành {current or '(trống)'} sau "
                "khi có đề nghị; hãy từ chối và để giáo viên đề nghị lại."))
        detail = close_correction(correction, principal, approve, note)
        if approve:
            _apply(principal, row, kind, correction.new_value)
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


def save_sheet(user: Any, school_class: SchoolClass, subject: Subject, edits: list[SheetEdit],
               reason: str = "") -> tuple[int, list[str]]:
    """The "Lưu" button without JavaScript: each changed cell saved as ``save_cell`` would
    (one transaction per cell, the same refusals). Returns (cells saved, messages)."""
    saved, problems = 0, []
    for edit in edits:
        if edit.value.strip() == edit.shown.strip():
            continue
        try:
            point, _ = split(edit.field)
            row = row_for(user, school_class, subject, point, edit.student)
            answer = save_cell(user, row, edit.field, edit.value, edit.expected_version,
                               reason)
        except CellError as exc:
            problems.append(f"Dòng {edit.number} ({edit.student.full_name}), cột "
                            f"{_column(edit.field)}: {exc.message}")
            continue
        saved += answer.correction is None
    return saved, problems


def _column(field: str) -> str:
    try:
        return kind_label(field)
    except CellError:
        return field
